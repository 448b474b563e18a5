"""The MCP server process (app/mcp/server.py): `python -m app.mcp`."""

"""`python -m app.mcp`: the MCP server (streamable HTTP at /mcp, legacy SSE at /mcp/sse) on
MCP_SERVER_HOST:MCP_SERVER_PORT, sharing the composition root with the web server."""
from __future__ import annotations

import uvicorn

from app.http.app import create_app
from app.mcp.server import build_asgi


def main() -> None:
    flask_app = create_app()
    conf = flask_app.extensions["injector"].get(__import__("config").Config)
    asgi = build_asgi(flask_app, list(conf.MCP_SERVER_ALLOWED_HOSTS))
    uvicorn.run(asgi, host=conf.MCP_SERVER_HOST, port=conf.MCP_SERVER_PORT, log_level="warning")


if __name__ == "__main__":
    main()

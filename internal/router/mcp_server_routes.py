"""Console /mcp-servers routes (docs/tools.md, "MCP servers"; the /api-tools shape)."""
from __future__ import annotations

from flask import Blueprint

from internal.handler.mcp_server_handler import McpServerHandler


def add_mcp_server_routes(bp: Blueprint, h: McpServerHandler) -> None:
    bp.add_url_rule("/mcp-servers", view_func=h.get_mcp_servers_with_page)
    bp.add_url_rule("/mcp-servers", methods=["POST"], view_func=h.create_mcp_server)
    bp.add_url_rule("/mcp-servers/<uuid:server_id>", view_func=h.get_mcp_server)
    bp.add_url_rule("/mcp-servers/<uuid:server_id>", methods=["POST"], view_func=h.update_mcp_server)
    bp.add_url_rule("/mcp-servers/<uuid:server_id>/refresh", methods=["POST"], view_func=h.refresh_mcp_server)
    bp.add_url_rule("/mcp-servers/<uuid:server_id>/delete", methods=["POST"], view_func=h.delete_mcp_server)
    bp.add_url_rule("/mcp-servers/<uuid:server_id>/tools/<string:tool_name>", view_func=h.get_mcp_tool)

"""Console /mcp-servers routes (docs/tools.md, "MCP servers"): the /api-tools shape."""
from __future__ import annotations

import uuid
from dataclasses import dataclass

from flask_login import current_user, login_required
from injector import inject

from internal.model.mcp_server import McpServer
from internal.schema.auth_schema import unix_seconds
from internal.schema.mcp_server_schema import (
    CreateMcpServerReq,
    GetMcpServersWithPageReq,
    McpServerResp,
    McpToolResp,
    UpdateMcpServerReq,
)
from internal.service.mcp import McpServerService, McpServerView
from pkg.paginator import page_data
from pkg.response import success_json, success_message

from .validation import validate

_TYPES = {"string": "str", "integer": "int", "number": "float", "boolean": "bool"}


def console_inputs(schema: dict) -> list[dict]:
    """The JSON Schema's top-level properties in the tool pages' input shape ({name, type, ...})."""
    required = set(schema.get("required") or [])
    return [{"name": name, "type": _TYPES.get(prop.get("type") if isinstance(prop, dict) else "", "str"),
             "description": (prop.get("description") or "") if isinstance(prop, dict) else "",
             "required": name in required}
            for name, prop in (schema.get("properties") or {}).items()]


def dump_tool(tool: dict) -> dict:
    schema = tool.get("input_schema") or {"type": "object"}
    return McpToolResp(name=tool["name"], description=tool.get("description", ""), input_schema=schema,
                       inputs=console_inputs(schema)).model_dump()


def dump_server(view: McpServerView) -> dict:
    row: McpServer = view.row
    return McpServerResp(
        id=str(row.id), name=row.name, icon=row.icon, description=row.description, url=row.url, headers=view.headers,
        transport=row.transport, server_name=row.server_name, tools=[dump_tool(t) for t in row.tools or []],
        refreshed_at=unix_seconds(row.refreshed_at), created_at=unix_seconds(row.created_at),
        updated_at=unix_seconds(row.updated_at),
    ).model_dump()


@inject
@dataclass
class McpServerHandler:
    mcp_server_service: McpServerService

    @login_required
    @validate(query=GetMcpServersWithPageReq, response=McpServerResp)
    def get_mcp_servers_with_page(self, query: GetMcpServersWithPageReq):
        rows, paginator = self.mcp_server_service.get_servers_with_page(current_user.id, query)
        return success_json(page_data(rows, paginator, lambda r: dump_server(self.mcp_server_service.view(r))))

    @login_required
    @validate(body=CreateMcpServerReq, response=McpServerResp)
    def create_mcp_server(self, req: CreateMcpServerReq):
        """Connects to the server (streamable HTTP, then SSE), lists its tools and stores it."""
        return success_json(dump_server(self.mcp_server_service.create_server(current_user.id, req)))

    @login_required
    @validate(response=McpServerResp)
    def get_mcp_server(self, server_id: uuid.UUID):
        service = self.mcp_server_service
        return success_json(dump_server(service.view(service.get_server(current_user.id, server_id))))

    @login_required
    @validate(body=UpdateMcpServerReq, response=McpServerResp)
    def update_mcp_server(self, server_id: uuid.UUID, req: UpdateMcpServerReq):
        """Masked header values posted back unchanged keep the stored values; the tools are re-listed."""
        return success_json(dump_server(self.mcp_server_service.update_server(current_user.id, server_id, req)))

    @login_required
    @validate(response=McpServerResp)
    def refresh_mcp_server(self, server_id: uuid.UUID):
        """Re-lists the server's tools."""
        return success_json(dump_server(self.mcp_server_service.refresh_server(current_user.id, server_id)))

    @login_required
    def delete_mcp_server(self, server_id: uuid.UUID):
        self.mcp_server_service.delete_server(current_user.id, server_id)
        return success_message("MCP server deleted")

    @login_required
    @validate(response=McpToolResp)
    def get_mcp_tool(self, server_id: uuid.UUID, tool_name: str):
        service = self.mcp_server_service
        return success_json(dump_tool(service.find_tool(service.get_server(current_user.id, server_id), tool_name)))

"""ToolType.MCP: server uuid + tool name -> an McpTool with the server's decrypted headers.
Ownership is checked by McpServerService (get_owned): another tenant's server id answers
ToolNotFoundError, exactly like a missing one."""
from __future__ import annotations

from dataclasses import dataclass

from injector import inject

from internal.core.tools.base import Tool, ToolCallContext, ToolLimits, ToolNotFoundError, ToolRef
from internal.exception import NotFoundException
from internal.service.mcp import McpServerService


@inject
@dataclass
class McpToolSource:
    servers: McpServerService

    def resolve(self, ref: ToolRef, ctx: ToolCallContext, limits: ToolLimits) -> Tool:
        if not ref.tool_id:
            raise ToolNotFoundError("MCP tool not found")
        try:
            return self.servers.build_tool(ctx.account_id, ref.provider_id, ref.tool_id, limits=limits)
        except NotFoundException:
            raise ToolNotFoundError("MCP tool not found") from None

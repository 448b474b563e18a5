"""ToolType.API: provider uuid + tool (operation) name -> an ApiTool with the provider's decrypted
headers and auth. Ownership is checked by ApiToolService (get_owned): another tenant's provider
id answers ToolNotFoundError, exactly like a missing one."""
from __future__ import annotations

from dataclasses import dataclass

from injector import inject

from internal.core.tools.base import Tool, ToolCallContext, ToolLimits, ToolNotFoundError, ToolRef
from internal.exception import NotFoundException
from internal.service.api_tool import ApiToolService


@inject
@dataclass
class ApiToolSource:
    api_tools: ApiToolService

    def resolve(self, ref: ToolRef, ctx: ToolCallContext, limits: ToolLimits) -> Tool:
        if not ref.tool_id:
            raise ToolNotFoundError("API tool not found")
        try:
            return self.api_tools.build_tool(ctx.account_id, ref.provider_id, ref.tool_id, limits=limits)
        except NotFoundException:
            raise ToolNotFoundError("API tool not found") from None

from __future__ import annotations

from typing import Any

from internal.core.tools.base import ToolCallContext, ToolRef, ToolResult, ToolType
from internal.service.tool.tool_resolver_service import ToolResolverService


def call_tool(app, account_id, provider: str, tool: str, args: dict[str, Any] | None = None,
              params: dict[str, Any] | None = None, kind: ToolType = ToolType.BUILTIN) -> ToolResult:
    with app.app_context():
        resolver = app.extensions["injector"].get(ToolResolverService)
        t = resolver.resolve(ToolRef(type=kind, provider_id=provider, tool_id=tool, params=params or {}),
                             ToolCallContext(account_id=account_id))
        return t.invoke(args or {})

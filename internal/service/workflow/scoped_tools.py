"""The tool node's ToolResolver: ToolResolverService (ownership checked by its sources), with
resolution and every call run in an application context (sources and tools such as dataset
retrieval and API tools read the database; the engine may call them from its pool threads)."""
from __future__ import annotations

from typing import Any

from internal.core.tools.base import Tool, ToolCallContext, ToolLimits, ToolRef, ToolResult
from internal.service.tool.tool_resolver_service import ToolResolverService

from .app_scope import AppScope


class ScopedTool:
    def __init__(self, tool: Tool, scope: AppScope):
        self._tool, self._scope = tool, scope

    def __getattr__(self, name: str) -> Any:
        return getattr(self._tool, name)

    def invoke(self, arguments: dict[str, Any] | None, limits: ToolLimits | None = None) -> ToolResult:
        with self._scope():
            return self._tool.invoke(arguments, limits)


class ScopedToolResolver:
    def __init__(self, resolver: ToolResolverService, scope: AppScope):
        self.resolver, self.scope = resolver, scope

    def resolve(self, ref: ToolRef, ctx: ToolCallContext) -> Tool:
        with self.scope():
            return ScopedTool(self.resolver.resolve(ref, ctx), self.scope)  # type: ignore[return-value]

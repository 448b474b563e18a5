"""The ToolResolver (internal/core/tools/base.py) of the platform: a typed ToolRef -> a Tool,
dispatched by ToolType to one source each. A new kind of tool is one more source field and one
line in `sources`. Ownership is checked by the sources (get_owned underneath): another tenant's
id answers ToolNotFoundError, exactly like a missing one."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from injector import inject

from config import Config
from internal.core.tools.base import Tool, ToolCallContext, ToolLimits, ToolNotFoundError, ToolRef, ToolType
from internal.service.tool.api_tool_source import ApiToolSource
from internal.service.tool.builtin_tool_source import BuiltinToolSource
from internal.service.tool.dataset_tool_source import DatasetToolSource
from internal.service.tool.mcp_tool_source import McpToolSource


class ToolSource(Protocol):
    def resolve(self, ref: ToolRef, ctx: ToolCallContext, limits: ToolLimits) -> Tool: ...


@inject
@dataclass
class ToolResolverService:
    conf: Config
    builtin_source: BuiltinToolSource
    dataset_source: DatasetToolSource
    api_source: ApiToolSource
    mcp_source: McpToolSource

    @property
    def sources(self) -> dict[ToolType, ToolSource]:
        return {
            ToolType.BUILTIN: self.builtin_source,
            ToolType.DATASET: self.dataset_source,
            ToolType.API: self.api_source,
            ToolType.MCP: self.mcp_source,
        }

    def limits(self) -> ToolLimits:
        return ToolLimits(timeout_s=self.conf.OUTBOUND_TIMEOUT_SECONDS, max_result_chars=self.conf.TOOL_MAX_RESULT_CHARS)

    def resolve(self, ref: ToolRef | dict[str, Any], ctx: ToolCallContext) -> Tool:
        ref = ref if isinstance(ref, ToolRef) else ToolRef.model_validate(ref)
        source = self.sources.get(ref.type)
        if source is None:
            raise ToolNotFoundError(f"tools of type {ref.type.value} are not available")
        return source.resolve(ref, ctx, self.limits())

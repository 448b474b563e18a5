"""The platform's ToolResolverService with published workflows as one more tool type.

Bound in place of ToolResolverService by app/http/workflow_module.py, so every user of the
resolver (the workflow tool node, the agent builder, the graph checks) resolves
`ToolType.WORKFLOW` through WorkflowToolSource; the other types are the base class's sources."""
from __future__ import annotations

from injector import inject

from config import Config
from internal.core.tools.base import ToolType
from internal.service.tool.api_tool_source import ApiToolSource
from internal.service.tool.builtin_tool_source import BuiltinToolSource
from internal.service.tool.dataset_tool_source import DatasetToolSource
from internal.service.tool.mcp_tool_source import McpToolSource
from internal.service.tool.tool_resolver_service import ToolResolverService, ToolSource

from .workflow_tool import WorkflowToolSource


class WorkflowAwareToolResolver(ToolResolverService):
    @inject
    def __init__(self, conf: Config, builtin_source: BuiltinToolSource, dataset_source: DatasetToolSource,
                 api_source: ApiToolSource, mcp_source: McpToolSource, workflow_source: WorkflowToolSource):
        super().__init__(conf, builtin_source, dataset_source, api_source, mcp_source)
        self.workflow_source = workflow_source

    @property
    def sources(self) -> dict[ToolType, ToolSource]:
        return {**super().sources, ToolType.WORKFLOW: self.workflow_source}

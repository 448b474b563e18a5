"""A LangChain `BaseTool` over our `Tool`, so LangChain/LangGraph agents call every kind of tool
through `Tool.invoke` (validation, limits, errors as observations) and nothing else."""
from __future__ import annotations

from typing import Any

from langchain_core.tools import BaseTool
from pydantic import ConfigDict, Field

from .base import Tool, ToolResult


class LangChainTool(BaseTool):
    model_config = ConfigDict(arbitrary_types_allowed=True)

    tool: Tool = Field(exclude=True)
    last_result: ToolResult | None = Field(default=None, exclude=True)

    def _run(self, **kwargs: Any) -> str:
        result = self.tool.invoke(kwargs)
        self.last_result = result
        return result.text


def as_langchain_tool(tool: Tool) -> LangChainTool:
    # args_schema as a JSON Schema dict: LangChain passes it through to bind_tools unchanged.
    return LangChainTool(name=tool.name, description=tool.description or tool.name,
                         args_schema=tool.input_schema, tool=tool)

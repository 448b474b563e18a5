"""One tool of an MCP server as a `Tool`: the server's JSON Schema inputs, our deadline and
result cap; a tool error (`isError`) or an unreachable server is the observation, never a crash."""
from __future__ import annotations

from typing import Any

from ..base import Deadline, Tool, ToolError, ToolLimits
from .client import McpClient, McpConnectError, McpTransport


class McpTool(Tool):
    def __init__(self, client: McpClient, *, url: str, headers: dict[str, str], transport: McpTransport,
                 name: str, description: str, input_schema: dict[str, Any], limits: ToolLimits | None = None,
                 validator: Any = None) -> None:
        super().__init__(name, description, input_schema, limits, validator)
        self.client, self.url, self.headers, self.transport = client, url, headers, transport

    def _run(self, arguments: dict[str, Any], deadline: Deadline) -> Any:
        remaining = deadline.remaining()
        if remaining <= 0:
            raise ToolError("the tool ran out of time")
        try:
            outcome = self.client.call_tool(self.url, self.headers, self.transport, self.name, arguments, remaining)
        except McpConnectError as exc:
            raise ToolError(str(exc)) from None
        if outcome.is_error:
            raise ToolError(f"the MCP tool reported an error: {outcome.text[:500]}")
        return outcome.text

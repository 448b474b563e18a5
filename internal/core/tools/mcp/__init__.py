"""MCP servers as tools (issue 10 §4): the official `mcp` SDK's async client behind a synchronous
facade on a private event-loop thread; every connection through the SSRF guard."""
from .client import McpClient, McpConnectError, McpServerInfo, McpToolInfo, McpTransport
from .loop_thread import EventLoopThread
from .tool import McpTool

__all__ = ["EventLoopThread", "McpClient", "McpConnectError", "McpServerInfo", "McpToolInfo", "McpTool",
           "McpTransport"]

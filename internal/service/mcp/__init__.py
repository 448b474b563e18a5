from .mcp_server_service import McpServerService, McpServerView

__all__ = ["McpServerService", "McpServerView"]

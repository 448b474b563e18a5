"""Custom API tool providers (docs/tools.md, "API tools")."""
from .api_tool_service import ApiToolService

__all__ = ["ApiToolService"]

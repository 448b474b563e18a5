"""Console /api-tools routes (docs/console-routes.txt; docs/tools.md, "API tools")."""
from __future__ import annotations

from flask import Blueprint

from internal.handler.api_tool_handler import ApiToolHandler


def add_api_tool_routes(bp: Blueprint, h: ApiToolHandler) -> None:
    bp.add_url_rule("/api-tools", view_func=h.get_api_tool_providers_with_page)
    bp.add_url_rule("/api-tools", methods=["POST"], view_func=h.create_api_tool_provider)
    bp.add_url_rule("/api-tools/validate-openapi-schema", methods=["POST"], view_func=h.validate_openapi_schema)
    bp.add_url_rule("/api-tools/<string:provider_id>", view_func=h.get_api_tool_provider)
    bp.add_url_rule("/api-tools/<uuid:provider_id>", methods=["POST"], view_func=h.update_api_tool_provider)
    bp.add_url_rule("/api-tools/<uuid:provider_id>/delete", methods=["POST"], view_func=h.delete_api_tool_provider)
    bp.add_url_rule("/api-tools/<uuid:provider_id>/tools/<string:tool_name>", view_func=h.get_api_tool)

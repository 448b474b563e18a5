"""Routes of the tools feature (docs/tools.md), registered on the console blueprint."""
from __future__ import annotations

from flask import Blueprint

from internal.handler.builtin_tool_handler import BuiltinToolHandler


def builtin_tool_routes(bp: Blueprint, h: BuiltinToolHandler) -> None:
    bp.add_url_rule("/builtin-tools", view_func=h.get_builtin_tools)
    bp.add_url_rule("/builtin-tools/categories", view_func=h.get_categories)
    bp.add_url_rule("/builtin-tools/<string:provider_name>/tools/<string:tool_name>", view_func=h.get_provider_tool)
    bp.add_url_rule("/builtin-tools/<string:provider_name>/icon", view_func=h.get_provider_icon)
    bp.add_url_rule("/builtin-tools/<string:provider_name>/credentials", view_func=h.get_credentials)
    bp.add_url_rule("/builtin-tools/<string:provider_name>/credentials", methods=["POST"], view_func=h.set_credentials)
    bp.add_url_rule("/builtin-tools/<string:provider_name>/credentials/delete", methods=["POST"],
                    view_func=h.delete_credentials)

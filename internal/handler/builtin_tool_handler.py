"""Console routes of builtin tools (docs/tools.md): providers, categories, one tool, the public
provider icon, and the account's credentials per provider."""
from __future__ import annotations

from dataclasses import dataclass

from flask import send_file
from flask_login import current_user, login_required
from injector import inject

from internal.handler.validation import document
from internal.schema.builtin_tool_schema import SetBuiltinToolCredentialReq
from internal.service.tool.builtin_tool_service import BuiltinToolService
from pkg.response import success_json, success_message

from .validation import validate


@inject
@dataclass
class BuiltinToolHandler:
    builtin_tool_service: BuiltinToolService

    @login_required
    def get_builtin_tools(self):
        """Every builtin provider with its tools (created_at in milliseconds)."""
        return success_json(self.builtin_tool_service.get_builtin_tools())

    @login_required
    def get_categories(self):
        """Provider categories; `icon` is trusted SVG text (the console renders it inline)."""
        return success_json(self.builtin_tool_service.get_categories())

    @login_required
    def get_provider_tool(self, provider_name: str, tool_name: str):
        """One tool with its provider, inputs and form params."""
        return success_json(self.builtin_tool_service.get_provider_tool(provider_name, tool_name))

    @document(produces=("image/svg+xml",))  # the icons are SVG; unknown ids answer the JSON envelope
    def get_provider_icon(self, provider_name: str):
        """The provider icon (public: the console loads it with <img>)."""
        path, mimetype = self.builtin_tool_service.get_provider_icon(provider_name)
        return send_file(path, mimetype=mimetype, max_age=86400)

    @login_required
    def get_credentials(self, provider_name: str):
        """The account's credentials for a provider, secrets masked."""
        return success_json(self.builtin_tool_service.get_credentials(current_user.id, provider_name))

    @login_required
    @validate(body=SetBuiltinToolCredentialReq)
    def set_credentials(self, provider_name: str, req: SetBuiltinToolCredentialReq):
        """Store (encrypted) the account's credentials for a provider; the answer is masked."""
        return success_json(self.builtin_tool_service.set_credentials(current_user.id, provider_name, req.config))

    @login_required
    def delete_credentials(self, provider_name: str):
        """Remove the account's credentials for a provider."""
        self.builtin_tool_service.delete_credentials(current_user.id, provider_name)
        return success_message("credentials removed")

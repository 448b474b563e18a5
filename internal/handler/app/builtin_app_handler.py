"""Console /builtin-apps: the template store, its icons (public: loaded by <img>) and
adding a template to the caller's space."""
from __future__ import annotations

from dataclasses import dataclass

from flask import send_file
from flask_login import current_user, login_required
from injector import inject

from internal.handler.validation import document, validate
from internal.schema.app_schema import AddBuiltinAppReq
from internal.service.app.builtin_app_service import BuiltinAppService
from pkg.response import success_json


@inject
@dataclass
class BuiltinAppHandler:
    builtin_app_service: BuiltinAppService

    @login_required
    def get_builtin_app_categories(self):
        return success_json([c.model_dump() for c in self.builtin_app_service.get_categories()])

    @login_required
    def get_builtin_apps(self):
        svc = self.builtin_app_service
        return success_json([{
            "id": b.id, "category": b.category, "name": b.name, "icon": svc.icon_url(b),
            "description": b.description,
            "model_config": {"provider": b.config.language_model.provider, "model": b.config.language_model.model},
            "created_at": b.created_at,
        } for b in svc.get_builtin_apps()])

    @document(produces=("image/svg+xml",))  # the icons are SVG; unknown ids answer the JSON envelope
    def get_builtin_app_icon(self, builtin_app_id: str):
        """A template's icon (trusted files shipped with the code)."""
        path = self.builtin_app_service.get_icon_path(builtin_app_id)
        return send_file(path, mimetype="image/svg+xml" if path.endswith(".svg") else None, max_age=86400)

    @login_required
    @validate(body=AddBuiltinAppReq)
    def add_builtin_app_to_space(self, req: AddBuiltinAppReq):
        app = self.builtin_app_service.add_builtin_app_to_space(current_user.id, req.builtin_app_id)
        return success_json({"id": str(app.id)})

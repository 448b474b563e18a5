"""Builtin app templates: list them, serve their icons, and copy one into the caller's space
as a new draft app (its configuration checked like any draft)."""
from __future__ import annotations

import uuid
from dataclasses import dataclass

from injector import inject

from config import Config
from internal.core.builtin_apps import BuiltinApp, BuiltinAppCatalog, BuiltinAppCategory
from internal.exception import NotFoundException
from internal.model.app import App

from .app_service import AppService
from .draft_config_validator import DraftConfigValidator
from .public_urls import public_url


@inject
@dataclass
class BuiltinAppService:
    conf: Config
    catalog: BuiltinAppCatalog
    apps: AppService
    validator: DraftConfigValidator

    def get_categories(self) -> list[BuiltinAppCategory]:
        return self.catalog.categories

    def get_builtin_apps(self) -> list[BuiltinApp]:
        return self.catalog.list()

    def icon_url(self, builtin: BuiltinApp) -> str:
        return public_url(self.conf, f"/builtin-apps/{builtin.id}/icon")

    def get_icon_path(self, builtin_app_id: str) -> str:
        builtin = self.catalog.get(builtin_app_id)
        if builtin is None:
            raise NotFoundException("builtin app not found")
        return builtin.icon_path()

    def add_builtin_app_to_space(self, account_id: uuid.UUID, builtin_app_id: str) -> App:
        builtin = self.catalog.get(builtin_app_id)
        if builtin is None:
            raise NotFoundException("builtin app not found")
        self.validator.check(account_id, builtin.config)
        return self.apps.create_app(account_id, builtin.name, self.icon_url(builtin), builtin.description,
                                    builtin.config)

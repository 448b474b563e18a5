"""Loads the builtin app templates once; pure data, no I/O after construction.

Adding a template = one YAML file in templates/ (id, category, name, icon file in icons/,
description, created_at, and the app configuration under `config`, validated by AppConfig)."""
from __future__ import annotations

import os
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field

from internal.entity.app_entity import AppConfig

HERE = os.path.dirname(os.path.abspath(__file__))


class BuiltinAppCategory(BaseModel):
    category: str
    name: str


class BuiltinApp(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9-]{1,64}$")
    category: str
    name: str = Field(min_length=1, max_length=40)
    icon: str  # a file name in icons/
    description: str = Field(default="", max_length=800)
    created_at: int = 0
    config: AppConfig

    def icon_path(self) -> str:
        return os.path.join(HERE, "icons", os.path.basename(self.icon))


class BuiltinAppCatalog:
    def __init__(self, directory: str = HERE) -> None:
        with open(os.path.join(directory, "categories.yaml"), encoding="utf-8") as f:
            self.categories = [BuiltinAppCategory(**c) for c in yaml.safe_load(f)]
        known = {c.category for c in self.categories}
        apps: list[BuiltinApp] = []
        folder = os.path.join(directory, "templates")
        for name in sorted(os.listdir(folder)):
            if name.endswith((".yaml", ".yml")):
                with open(os.path.join(folder, name), encoding="utf-8") as f:
                    data: dict[str, Any] = yaml.safe_load(f)
                app = BuiltinApp.model_validate(data)
                if app.category not in known:
                    raise ValueError(f"{name}: unknown category {app.category!r}")
                if not os.path.isfile(app.icon_path()):
                    raise ValueError(f"{name}: icon {app.icon!r} not found")
                apps.append(app)
        self._apps = {a.id: a for a in apps}

    def list(self) -> list[BuiltinApp]:
        return list(self._apps.values())

    def get(self, app_id: str) -> BuiltinApp | None:
        return self._apps.get(app_id)

"""The draft configuration: partial updates (each console ability posts only its own key),
validated whole before anything is written, and the console's view of a configuration
(tools, datasets and workflows expanded into objects)."""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from injector import inject
from sqlalchemy import select

from internal.entity.app_entity import DRAFT_CONFIG_KEYS, AppConfig, ToolConfig
from internal.exception import ValidateErrorException
from internal.model.app import AppConfigVersion
from internal.model.dataset import Dataset
from internal.schema.auth_schema import unix_seconds
from pkg.sqlalchemy import SQLAlchemy

from .app_service import AppService
from .draft_config_validator import DraftConfigValidator, parse_config
from .references import ReferenceNotFound, ToolDirectory, WorkflowDirectory


@inject
@dataclass
class AppConfigService:
    db: SQLAlchemy
    apps: AppService
    validator: DraftConfigValidator
    tools: ToolDirectory
    workflows: WorkflowDirectory

    def get_draft_app_config(self, account_id: uuid.UUID, app_id) -> dict[str, Any]:
        app = self.apps.get_app(account_id, app_id)
        return self.view(account_id, self.apps.draft_version(app))

    def update_draft_app_config(self, account_id: uuid.UUID, app_id, changes: dict[str, Any]) -> AppConfigVersion:
        app = self.apps.get_app(account_id, app_id)
        changes = dict(changes)
        if "model" in changes:  # the console's name for model_config
            if "model_config" in changes:
                raise ValidateErrorException("send either model or model_config, not both")
            changes["model_config"] = changes.pop("model")
        unknown = sorted(set(changes) - set(DRAFT_CONFIG_KEYS))
        if unknown:
            raise ValidateErrorException(f"{unknown[0]}: unknown configuration field")
        if not changes:
            raise ValidateErrorException("nothing to update")
        with self.db.auto_commit():  # an error rolls back: nothing is written unless all of it holds
            # locked from read to write: two abilities saved at once must not drop each other's key
            draft = self.apps.draft_version(app, lock=True)
            config = parse_config({**draft.config, **changes})
            self.validator.check(account_id, config)
            draft.config = config.dump()
            app.updated_at = datetime.now(UTC)  # the app list shows when the app last changed
        return draft

    # -- the console's view -----------------------------------------------------------------
    def view(self, account_id: uuid.UUID, version: AppConfigVersion) -> dict[str, Any]:
        """References that stopped resolving (a deleted dataset, a tool removed) are left out of
        the view; publishing re-validates and names them."""
        config = AppConfig.model_validate(version.config)
        data = config.dump()
        data.pop("agent_type", None)  # set by the agent API only; the console's shape is the course's
        data.pop("delegates", None)
        data["tools"] = [v for v in (self._tool(account_id, t) for t in config.tools) if v]
        data["datasets"] = self._datasets(account_id, config.datasets)
        data["workflows"] = [v for v in (self._workflow(account_id, w) for w in config.workflows) if v]
        return {"id": str(version.id), **data, "updated_at": unix_seconds(version.updated_at),
                "created_at": unix_seconds(version.created_at)}

    def _tool(self, account_id: uuid.UUID, ref: ToolConfig) -> dict | None:
        try:
            v = self.tools.describe(account_id, ref)
        except ReferenceNotFound:
            return None
        return {"type": v.type, "provider": v.provider, "tool": v.tool}

    def _workflow(self, account_id: uuid.UUID, workflow_id: uuid.UUID) -> dict | None:
        try:
            v = self.workflows.describe_published(account_id, workflow_id)
        except ReferenceNotFound:
            return None
        return {"id": v.id, "name": v.name, "icon": v.icon, "description": v.description}

    def _datasets(self, account_id: uuid.UUID, keys: list[uuid.UUID]) -> list[dict]:
        if not keys:
            return []
        rows = {d.id: d for d in self.db.session.scalars(
            select(Dataset).where(Dataset.id.in_(keys), Dataset.account_id == account_id))}
        return [{"id": str(k), "name": rows[k].name, "icon": rows[k].icon, "description": rows[k].description}
                for k in keys if k in rows]

"""Publishing: the draft becomes a new numbered version (the history), which the app serves
until the next publish; cancel stops serving it; fallback copies a version into the draft.
The draft is re-validated on publish (a dataset or tool may have gone since it was saved),
and so is a version on fallback."""
from __future__ import annotations

import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from injector import inject
from sqlalchemy import func, select

from internal.entity.app_entity import AppConfig, AppConfigType, AppStatus
from internal.exception import FailException, NotFoundException, ValidateErrorException
from internal.model.app import App, AppConfigVersion
from pkg.paginator import Paginator, PaginatorReq
from pkg.sqlalchemy import SQLAlchemy

from .app_service import AppService
from .draft_config_validator import DraftConfigValidator, parse_config


def new_web_app_token() -> str:
    return secrets.token_urlsafe(18)


@inject
@dataclass
class AppPublishService:
    db: SQLAlchemy
    apps: AppService
    validator: DraftConfigValidator

    def publish(self, account_id: uuid.UUID, app_id) -> AppConfigVersion:
        app = self.apps.get_app(account_id, app_id)
        with self.db.auto_commit():
            # the draft row lock also serialises concurrent publishes (version numbers stay unique)
            config = parse_config(self.apps.draft_version(app, lock=True).config)
            self.db.session.refresh(app)  # what a publish that held the lock before us wrote
            self.validator.check(account_id, config)
            last = self.db.session.scalar(select(func.max(AppConfigVersion.version)).where(
                AppConfigVersion.app_id == app.id, AppConfigVersion.config_type == AppConfigType.PUBLISHED.value)) or 0
            version = AppConfigVersion(id=uuid.uuid4(), account_id=account_id, app_id=app.id, version=last + 1,
                                       config_type=AppConfigType.PUBLISHED.value, config=config.dump())
            self.db.session.add(version)
            app.published_config_id = version.id
            app.status = AppStatus.PUBLISHED.value
            if not app.token:
                app.token = new_web_app_token()
        return version

    def cancel_publish(self, account_id: uuid.UUID, app_id) -> App:
        app = self.apps.get_app(account_id, app_id)
        if app.status != AppStatus.PUBLISHED.value:
            raise FailException("the app is not published")
        with self.db.auto_commit():
            app.status = AppStatus.DRAFT.value
            app.published_config_id = None
            app.token = None  # a shared web-app link stops working; re-publishing issues a new one
        return app

    def get_publish_histories_with_page(self, account_id: uuid.UUID, app_id,
                                        req: PaginatorReq) -> tuple[Sequence[AppConfigVersion], Paginator]:
        app = self.apps.get_app(account_id, app_id)
        stmt = (select(AppConfigVersion)
                .where(AppConfigVersion.app_id == app.id, AppConfigVersion.config_type == AppConfigType.PUBLISHED.value)
                .order_by(AppConfigVersion.version.desc()))
        return Paginator.paginate(self.db.session, stmt, req)

    def fallback_history_to_draft(self, account_id: uuid.UUID, app_id, version_id) -> AppConfigVersion:
        app = self.apps.get_app(account_id, app_id)
        try:
            key = uuid.UUID(str(version_id))
        except ValueError:
            raise NotFoundException("publish history not found") from None
        version = self.db.session.get(AppConfigVersion, key)
        if (version is None or version.app_id != app.id
                or version.config_type != AppConfigType.PUBLISHED.value):
            raise NotFoundException("publish history not found")
        config = parse_config(version.config)
        try:
            self.validator.check(account_id, config)
        except ValidateErrorException as exc:
            raise ValidateErrorException(f"version {version.version} can no longer be used: {exc.message}",
                                         data=exc.data) from None
        with self.db.auto_commit():
            draft = self.apps.draft_version(app, lock=True)
            draft.config = config.dump()
        return draft

    def get_published_config(self, account_id: uuid.UUID, app_id) -> App:
        return self.apps.get_app(account_id, app_id)

    def published_config(self, app: App) -> AppConfig | None:
        if app.status != AppStatus.PUBLISHED.value or not app.published_config_id:
            return None
        row = self.db.session.get(AppConfigVersion, app.published_config_id)
        return AppConfig.model_validate(row.config) if row else None

    def regenerate_web_app_token(self, account_id: uuid.UUID, app_id) -> str:
        app = self.apps.get_app(account_id, app_id)
        if app.status != AppStatus.PUBLISHED.value:
            raise FailException("publish the app before sharing it as a web app")
        with self.db.auto_commit():
            app.token = new_web_app_token()
        return app.token

"""Apps: create, read, list, update, copy, delete. Every app id from a request is loaded
through `get_owned`: another tenant's app is "not found"."""
from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from injector import inject
from sqlalchemy import or_, select

from internal.entity.app_entity import AppConfig, AppConfigType, AppStatus
from internal.exception import NotFoundException
from internal.model.app import App, AppConfigVersion
from internal.model.conversation import Conversation
from internal.service.base_service import get_owned
from pkg.paginator import Paginator, SearchPaginatorReq
from pkg.sqlalchemy import SQLAlchemy

from .app_defaults import AppDefaults


def like(word: str) -> str:
    return "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


@inject
@dataclass
class AppService:
    db: SQLAlchemy
    defaults: AppDefaults

    def get_app(self, account_id: uuid.UUID, app_id) -> App:
        return get_owned(self.db, App, app_id, account_id, "app not found")

    def get_app_with_draft(self, account_id: uuid.UUID, app_id) -> tuple[App, AppConfigVersion]:
        """The caller's app and its draft row in one query."""
        app, draft, _ = self.get_app_for_debug(account_id, app_id)
        return app, draft

    def get_app_for_debug(self, account_id: uuid.UUID, app_id) -> tuple[App, AppConfigVersion, Conversation | None]:
        """The caller's app, its draft row and its live debug conversation (if any), in ONE query:
        the debug chat's path to its first frame."""
        try:
            key = app_id if isinstance(app_id, uuid.UUID) else uuid.UUID(str(app_id))
        except (TypeError, ValueError):
            raise NotFoundException("app not found") from None
        row = self.db.session.execute(
            select(App, AppConfigVersion, Conversation)
            .join(AppConfigVersion, (AppConfigVersion.app_id == App.id)
                  & (AppConfigVersion.config_type == AppConfigType.DRAFT.value))
            .outerjoin(Conversation, (Conversation.id == App.debug_conversation_id) & Conversation.is_deleted.is_(False))
            .where(App.id == key, App.account_id == account_id)).first()
        if row is None:
            raise NotFoundException("app not found")
        return row[0], row[1], row[2]

    def draft_version(self, app: App, lock: bool = False) -> AppConfigVersion:
        """The app's draft row (created with the app; every app has exactly one). `lock` holds
        it (SELECT ... FOR UPDATE on PostgreSQL) until the caller's transaction ends."""
        stmt = select(AppConfigVersion).where(
            AppConfigVersion.app_id == app.id, AppConfigVersion.config_type == AppConfigType.DRAFT.value)
        if lock:
            stmt = stmt.with_for_update().execution_options(populate_existing=True)
        return self.db.session.scalars(stmt).one()

    def create_app(self, account_id: uuid.UUID, name: str, icon: str, description: str,
                   config: AppConfig | None = None) -> App:
        """`config` has been validated by the caller (builtin templates, copies); default otherwise."""
        config = config or self.defaults.config()
        app = App(id=uuid.uuid4(), account_id=account_id, name=name, icon=icon, description=description,
                  status=AppStatus.DRAFT.value)
        with self.db.auto_commit():
            self.db.session.add(app)
            self.db.session.flush()  # the app row first: the draft references it
            self.db.session.add(AppConfigVersion(account_id=account_id, app_id=app.id, version=0,
                                                 config_type=AppConfigType.DRAFT.value, config=config.dump()))
        return app

    def update_app(self, account_id: uuid.UUID, app_id, name: str, icon: str, description: str) -> App:
        app = self.get_app(account_id, app_id)
        with self.db.auto_commit():
            app.name, app.icon, app.description = name, icon, description
        return app

    def delete_app(self, account_id: uuid.UUID, app_id) -> None:
        app = self.get_app(account_id, app_id)
        with self.db.auto_commit():
            self.db.session.delete(app)  # configs, conversations, messages, steps, end users cascade

    def copy_app(self, account_id: uuid.UUID, app_id) -> App:
        """A new draft app with the source's draft configuration (no history, not published)."""
        app = self.get_app(account_id, app_id)
        draft = AppConfig.model_validate(self.draft_version(app).config)
        name = f"{app.name} copy"[:40]
        return self.create_app(account_id, name, app.icon, app.description, draft)

    def get_apps_with_page(self, account_id: uuid.UUID,
                           req: SearchPaginatorReq) -> tuple[Sequence[App], Paginator, dict[uuid.UUID, dict]]:
        """A page of apps and, per app, the configuration the list shows."""
        stmt = select(App).where(App.account_id == account_id)
        if req.search_word:
            stmt = stmt.where(App.name.ilike(like(req.search_word), escape="\\"))
        stmt = stmt.order_by(App.created_at.desc(), App.id)
        rows, paginator = Paginator.paginate(self.db.session, stmt, req)
        return rows, paginator, self.shown_configs(rows)

    def shown_configs(self, apps: Sequence[App]) -> dict[uuid.UUID, dict]:
        """The configuration a list shows per app (published if live, else the draft), one query."""
        if not apps:
            return {}
        wanted = {a.published_config_id for a in apps if a.status == AppStatus.PUBLISHED.value and a.published_config_id}
        ids = [a.id for a in apps]
        which = AppConfigVersion.config_type == AppConfigType.DRAFT.value
        if wanted:
            which = or_(which, AppConfigVersion.id.in_(wanted))
        rows = self.db.session.scalars(select(AppConfigVersion).where(AppConfigVersion.app_id.in_(ids), which)).all()
        drafts = {r.app_id: r.config for r in rows if r.config_type == AppConfigType.DRAFT.value}
        published = {r.id: r.config for r in rows if r.config_type == AppConfigType.PUBLISHED.value}
        return {a.id: published.get(a.published_config_id) or drafts.get(a.id, {}) for a in apps}

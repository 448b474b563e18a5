"""Web apps: a published app shared by its token. Only a published app answers; its published
configuration (never the draft) is what visitors see. Visitors are signed-in console users
(the console's web-app page uses the console's JWT); each sees only their own conversations."""
from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from injector import inject
from sqlalchemy import select

from internal.entity.app_entity import AppConfig, AppStatus
from internal.exception import NotFoundException
from internal.model.app import App
from internal.model.conversation import Conversation
from pkg.sqlalchemy import SQLAlchemy

from .app_publish_service import AppPublishService
from .conversation_console_service import ConversationConsoleService


@inject
@dataclass
class WebAppService:
    db: SQLAlchemy
    publishing: AppPublishService
    conversations: ConversationConsoleService

    def get_web_app(self, token: str) -> tuple[App, AppConfig]:
        """The published app behind `token` and its live configuration."""
        if not token or len(token) > 64:
            raise NotFoundException("web app not found")
        app = self.db.session.scalar(select(App).where(App.token == token))
        config = self.publishing.published_config(app) if app is not None and app.status == AppStatus.PUBLISHED.value else None
        if config is None:
            raise NotFoundException("web app not found")
        return app, config

    def get_conversations(self, caller_id: uuid.UUID, token: str, is_pinned: bool | None) -> Sequence[Conversation]:
        app, _ = self.get_web_app(token)
        return self.conversations.web_app_conversations(caller_id, app.id, is_pinned)

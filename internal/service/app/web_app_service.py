"""Web apps: a published app shared by its token. Only a published app answers; its published
configuration (never the draft) is what visitors see. Visitors are signed-in console users
(the console's web-app page uses the console's JWT); each sees only their own conversations."""
from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from injector import inject
from sqlalchemy import select

from internal.core.language_model import LanguageModelCatalog
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
    catalog: LanguageModelCatalog
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

    def get_web_app_info(self, token: str) -> dict[str, Any]:
        """What the web-app page shows: the app and the parts of its published config it uses,
        plus the model's features (the page offers image input only when the model takes it)."""
        app, config = self.get_web_app(token)
        mc = config.language_model
        model = self.catalog.get_model(mc.provider, mc.model)
        return {
            "id": str(app.id), "icon": app.icon, "name": app.name, "description": app.description,
            "app_config": {
                "opening_statement": config.opening_statement,
                "opening_questions": list(config.opening_questions),
                "suggested_after_answer": config.suggested_after_answer.model_dump(),
                "text_to_speech": config.text_to_speech.model_dump(),
                "speech_to_text": config.speech_to_text.model_dump(),
                "features": [f.value for f in model.features] if model else [],
            },
        }

    def get_conversations(self, caller_id: uuid.UUID, token: str, is_pinned: bool | None) -> Sequence[Conversation]:
        app, _ = self.get_web_app(token)
        return self.conversations.web_app_conversations(caller_id, app.id, is_pinned)

"""The owner's debug pane of an app: its messages, its long-term memory (summary) and clearing it."""
from __future__ import annotations

import uuid
from dataclasses import dataclass

from injector import inject

from internal.entity.app_entity import AppConfig
from internal.exception import FailException
from internal.model.app import App
from internal.model.conversation import Conversation
from pkg.paginator import Paginator, PaginatorReq
from pkg.sqlalchemy import SQLAlchemy

from .app_service import AppService
from .conversation_console_service import ConversationConsoleService, MessagePage
from .conversation_service import ConversationService


@inject
@dataclass
class DebugConversationService:
    db: SQLAlchemy
    apps: AppService
    conversations: ConversationService
    console: ConversationConsoleService

    def _current(self, account_id: uuid.UUID, app_id) -> tuple[App, Conversation | None]:
        app = self.apps.get_app(account_id, app_id)
        conv = self.db.session.get(Conversation, app.debug_conversation_id) if app.debug_conversation_id else None
        return app, (conv if conv is not None and not conv.is_deleted else None)

    def get_messages_with_page(self, account_id: uuid.UUID, app_id, req: PaginatorReq,
                               created_at: int = 0) -> MessagePage:
        _, conv = self._current(account_id, app_id)
        if conv is None:  # no debug chat yet: an empty first page, nothing created by a read
            return MessagePage([], Paginator(1, 0, req.current_page, req.page_size), {})
        return self.console.get_messages_with_page(conv, req, created_at)

    def get_summary(self, account_id: uuid.UUID, app_id) -> str:
        _, conv = self._current(account_id, app_id)
        return conv.summary if conv else ""

    def update_summary(self, account_id: uuid.UUID, app_id, summary: str) -> None:
        app, conv = self._current(account_id, app_id)
        draft = AppConfig.model_validate(self.apps.draft_version(app).config)
        if not draft.long_term_memory.enable:
            raise FailException("long-term memory is not enabled for this app")
        conv = conv or self.conversations.get_or_create_debug_conversation(app)
        self.conversations.update_summary(conv.id, summary)

    def delete_debug_conversation(self, account_id: uuid.UUID, app_id) -> None:
        app = self.apps.get_app(account_id, app_id)
        self.console.delete_debug_conversation(app)

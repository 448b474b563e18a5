"""The chat surfaces of an app, each a turn of ChatTurns with its own config, conversation and owner:

- debug pane (console, the owner): the DRAFT config, the app's debug conversation;
- web app (console users holding the token): the PUBLISHED config, the visitor's own conversations;
- /openapi/chat (API key of the app's owner): the PUBLISHED config, conversations of an end user.

The agent always runs with the app owner's resources (models, credentials, tools, datasets);
a stop is honoured only from the task's owner (account, or end user)."""
from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass

from injector import inject

from internal.core.streaming.channel import TaskOwner
from internal.entity.app_entity import DEFAULT_CONVERSATION_NAME, AppConfig, InvokeFrom
from internal.exception import FailException
from internal.model.app import App
from internal.model.conversation import Conversation, Message, MessageAgentThought
from internal.model.end_user import EndUser
from pkg.sqlalchemy import SQLAlchemy

from ..app_publish_service import AppPublishService
from ..app_service import AppService
from ..conversation_service import ConversationService
from ..web_app_service import WebAppService
from .chat_turns import ChatTurns, StartedTurn

CONVERSATION_NAME_CHARS = 40


@dataclass
class ChatResult:
    message: Message
    thoughts: list[MessageAgentThought]
    end_user_id: str


@inject
@dataclass
class ChatService:
    db: SQLAlchemy
    apps: AppService
    publishing: AppPublishService
    web_apps: WebAppService
    conversations: ConversationService
    turns: ChatTurns

    # -- debug pane ------------------------------------------------------------------------
    def debug_chat(self, account_id: uuid.UUID, app_id, query: str, image_urls: list[str]) -> StartedTurn:
        app, draft, conversation = self.apps.get_app_for_debug(account_id, app_id)
        config = AppConfig.model_validate(draft.config)
        conversation = conversation or self.conversations.get_or_create_debug_conversation(app)
        return self.turns.start(app.account_id, config, conversation, query, TaskOwner.account(account_id), image_urls,
                                defer_build=True)

    def stop_debug_chat(self, account_id: uuid.UUID, app_id, task_id: uuid.UUID) -> None:
        self.apps.get_app(account_id, app_id)
        self.turns.stop(task_id, TaskOwner.account(account_id))

    # -- web app ---------------------------------------------------------------------------
    def web_app_chat(self, account_id: uuid.UUID, token: str, conversation_id: str, query: str,
                     image_urls: list[str]) -> StartedTurn:
        app, config = self.web_apps.get_web_app(token)
        conversation = self._conversation(app, InvokeFrom.WEB_APP, account_id, conversation_id, query)
        return self.turns.start(app.account_id, config, conversation, query, TaskOwner.account(account_id), image_urls,
                                defer_build=True)

    def stop_web_app_chat(self, account_id: uuid.UUID, token: str, task_id: uuid.UUID) -> None:
        self.web_apps.get_web_app(token)
        self.turns.stop(task_id, TaskOwner.account(account_id))

    # -- /openapi/chat ---------------------------------------------------------------------
    def service_api_chat(self, account_id: uuid.UUID, app_id, end_user_id: str, conversation_id: str, query: str,
                         image_urls: list[str]) -> tuple[StartedTurn, EndUser]:
        app = self.apps.get_app(account_id, app_id)
        config = self.publishing.published_config(app)
        if config is None:
            raise FailException("the app is not published")
        end_user = self.conversations.get_or_create_end_user(app, end_user_id or None)
        conversation = self._conversation(app, InvokeFrom.SERVICE_API, end_user.id, conversation_id, query)
        started = self.turns.start(app.account_id, config, conversation, query, TaskOwner.end_user(end_user.id),
                                   image_urls)
        return started, end_user

    def frames(self, started: StartedTurn) -> Iterator[bytes]:
        """The SSE body of a started turn (ChatTurns.frames)."""
        return self.turns.frames(started)

    def result(self, started: StartedTurn, end_user_id: str = "") -> ChatResult:
        """Blocking surfaces: wait for the run, then the saved message and its steps."""
        self.turns.wait(started)
        message, thoughts = self.conversations.message_with_thoughts(uuid.UUID(started.message_id))
        return ChatResult(message, thoughts, end_user_id)

    # -- shared ----------------------------------------------------------------------------
    def _conversation(self, app: App, invoke_from: InvokeFrom, created_by: uuid.UUID, conversation_id: str,
                      query: str) -> Conversation:
        if conversation_id:
            return self.conversations.find_conversation(app.id, invoke_from, created_by, conversation_id)
        name = " ".join(query.split())[:CONVERSATION_NAME_CHARS] or DEFAULT_CONVERSATION_NAME
        return self.conversations.create_conversation(app.id, invoke_from, created_by, name)

"""The assistant agent of the console's home page (issue 11 §1 `/assistant-agent*`): a helper that
answers questions about building LLM apps and creates apps in the user's space through its one
tool, `create_app`. It runs on AI_HELPER_MODEL with the user's own credentials; its conversation
(one live one per account, `invoke_from: assistant_agent`) belongs to no app."""
from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from injector import inject
from sqlalchemy import select

from config import Config
from internal.core.streaming.channel import TaskOwner
from internal.core.tools.base import Deadline, Tool, ToolLimits
from internal.entity.app_entity import AppConfig, InvokeFrom, ModelConfig
from internal.model.conversation import Conversation
from pkg.paginator import Paginator, PaginatorReq
from pkg.sqlalchemy import SQLAlchemy

from ..app_defaults import AppDefaults
from ..app_service import AppService
from ..conversation_console_service import ConversationConsoleService, MessagePage
from ..conversation_service import ConversationService
from .chat_turns import ChatTurns, StartedTurn

ASSISTANT_PROMPT = """You are the LLMOps assistant on the home page of an LLM application platform.
Help the user design AI applications (agents): their purpose, preset prompt, the tools and
knowledge bases they need. When the user asks you to create an application, call `create_app`
with a short name, a one-sentence description and a complete preset prompt; then tell the user
the app is in their personal space (个人空间) where they can add tools and publish it.
Answer in the user's language."""

_CREATE_APP_SCHEMA = {
    "type": "object", "additionalProperties": False, "required": ["name", "preset_prompt"],
    "properties": {
        "name": {"type": "string", "minLength": 1, "maxLength": 40, "description": "The app's name"},
        "description": {"type": "string", "maxLength": 800, "description": "One sentence on what it does"},
        "preset_prompt": {"type": "string", "minLength": 1, "maxLength": 2000,
                          "description": "The app's preset prompt: role, skills, answer style, limits"},
    }}


class CreateAppTool(Tool):
    """Creates a draft app in the caller's space (the caller's account, never another)."""

    def __init__(self, apps: AppService, defaults: AppDefaults, account_id: uuid.UUID, limits: ToolLimits):
        super().__init__("create_app", "Create a new AI application (agent) in the user's personal space.",
                         _CREATE_APP_SCHEMA, limits)
        self.apps, self.defaults, self.account_id = apps, defaults, account_id

    def _run(self, arguments: dict[str, Any], deadline: Deadline) -> Any:
        config = self.defaults.config().model_copy(update={"preset_prompt": arguments["preset_prompt"]})
        app = self.apps.create_app(self.account_id, arguments["name"], "", arguments.get("description", ""), config)
        return {"app_id": str(app.id), "name": app.name, "status": "created as a draft in the personal space"}


@inject
@dataclass
class AssistantAgentService:
    conf: Config
    db: SQLAlchemy
    apps: AppService
    defaults: AppDefaults
    conversations: ConversationService
    console: ConversationConsoleService
    turns: ChatTurns

    def _conversation(self, account_id: uuid.UUID) -> Conversation | None:
        return self.db.session.scalar(select(Conversation).where(
            Conversation.created_by == account_id, Conversation.invoke_from == InvokeFrom.ASSISTANT_AGENT.value,
            Conversation.app_id.is_(None), Conversation.is_deleted.is_(False))
            .order_by(Conversation.created_at.desc()).limit(1))

    def config(self) -> AppConfig:
        provider, _, model = self.conf.AI_HELPER_MODEL.partition("/")
        return AppConfig(model_config=ModelConfig(provider=provider, model=model), preset_prompt=ASSISTANT_PROMPT,
                         dialog_round=5)

    def chat(self, account_id: uuid.UUID, query: str, image_urls: list[str]) -> StartedTurn:
        conversation = self._conversation(account_id) or self.conversations.create_conversation(
            None, InvokeFrom.ASSISTANT_AGENT, account_id, "LLMOps assistant")
        tool = CreateAppTool(self.apps, self.defaults, account_id, ToolLimits())
        return self.turns.start(account_id, self.config(), conversation, query, TaskOwner.account(account_id),
                                image_urls, extra_tools=[tool], defer_build=True)

    def frames(self, started: StartedTurn) -> Iterator[bytes]:
        return self.turns.frames(started)

    def stop(self, account_id: uuid.UUID, task_id: uuid.UUID) -> None:
        self.turns.stop(task_id, TaskOwner.account(account_id))

    def messages(self, account_id: uuid.UUID, req: PaginatorReq, created_at: int = 0) -> MessagePage:
        conversation = self._conversation(account_id)
        if conversation is None:  # nothing said yet: an empty first page, nothing created by a read
            return MessagePage([], Paginator(1, 0, req.current_page, req.page_size), {})
        return self.console.get_messages_with_page(conversation, req, created_at)

    def delete_conversation(self, account_id: uuid.UUID) -> None:
        """A fresh start: the conversation is deleted softly (its usage stays) and the next chat opens a new one."""
        conversation = self._conversation(account_id)
        if conversation is not None:
            with self.db.auto_commit():
                conversation.is_deleted = True

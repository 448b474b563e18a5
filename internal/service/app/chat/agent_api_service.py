"""The third-party agent API (issue 11 §5): an agent is an app created and published in one call;
`/v1/chat` sessions are conversations of the key's account (`service_api`), so they show in the
app's analysis; `execute` is one task without a session."""
from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from injector import inject
from sqlalchemy import select

from internal.core.streaming.channel import TaskOwner
from internal.entity.app_entity import AppConfig, InvokeFrom, ModelConfig, ToolConfig
from internal.exception import NotFoundException, UpstreamException
from internal.model.app import App
from internal.model.conversation import Conversation, Message, MessageAgentThought
from internal.schema.agent_api_schema import AgentChatReq, CreateAgentReq, ExecuteAgentReq
from internal.service.base_service import get_owned
from pkg.sqlalchemy import SQLAlchemy
from pkg.sse import comment, frame

from ..app_publish_service import AppPublishService
from ..app_service import AppService
from ..conversation_service import ConversationService
from ..draft_config_validator import DraftConfigValidator
from .app_models import collect_turn
from .chat_turns import ChatTurns, StartedTurn


@dataclass
class Agent:
    app: App
    config: AppConfig


@dataclass
class SessionTurn:
    started: StartedTurn
    session_id: str


@inject
@dataclass
class AgentApiService:
    db: SQLAlchemy
    apps: AppService
    publishing: AppPublishService
    validator: DraftConfigValidator
    conversations: ConversationService
    turns: ChatTurns

    # -- agents ----------------------------------------------------------------------------
    def create(self, account_id: uuid.UUID, req: CreateAgentReq) -> Agent:
        provider, _, model = req.model.partition("/")
        config = AppConfig(model_config=ModelConfig(provider=provider, model=model), agent_type=req.agent_type,
                           preset_prompt=req.system_prompt, datasets=req.datasets, delegates=req.delegates,
                           tools=[ToolConfig(**t.model_dump()) for t in req.tools])
        self.validator.check(account_id, config)  # before anything is written: a bad reference names its field
        app = self.apps.create_app(account_id, req.name, "", req.description, config)
        self.publishing.publish(account_id, app.id)
        return self.get(account_id, app.id)

    def list(self, account_id: uuid.UUID) -> list[Agent]:
        rows = self.db.session.scalars(select(App).where(App.account_id == account_id).order_by(App.created_at))
        return [Agent(app, self._config(app)) for app in rows]

    def get(self, account_id: uuid.UUID, agent_id) -> Agent:
        app = get_owned(self.db, App, agent_id, account_id, "agent not found")
        self.db.session.refresh(app)
        return Agent(app, self._config(app))

    def _config(self, app: App) -> AppConfig:
        return self.publishing.published_config(app) or AppConfig.model_validate(self.apps.draft_version(app).config)

    def _live(self, account_id: uuid.UUID, agent_id, use_tools: bool) -> Agent:
        agent = self.get(account_id, agent_id)
        config = self.publishing.published_config(agent.app)
        if config is None:
            raise NotFoundException("agent not found (it is not published)")
        if not use_tools:
            config = config.model_copy(update={"tools": [], "datasets": []})
        return Agent(agent.app, config)

    # -- turns -----------------------------------------------------------------------------
    def execute(self, account_id: uuid.UUID, agent_id, req: ExecuteAgentReq) -> dict[str, Any]:
        """One task, blocking: `{answer, thoughts, usage}`; a failed turn is the agent's safe message (502)."""
        agent = self._live(account_id, agent_id, req.use_tools)
        started = self.turns.start_stateless(account_id, agent.config, [], req.message, TaskOwner.account(account_id))
        answer, usage, error, thoughts = collect_turn(self.turns.events(started))
        if error:
            raise UpstreamException(error)
        return {"answer": answer, "thoughts": thoughts, "usage": usage}

    def chat_stream(self, account_id: uuid.UUID, req: AgentChatReq) -> Iterator[bytes]:
        """A session turn as the agent API's SSE (`session_events`)."""
        turn = self.chat(account_id, req)
        return session_events(self.turns.events(turn.started), turn.session_id, turn.started.message_id)

    def chat(self, account_id: uuid.UUID, req: AgentChatReq) -> SessionTurn:
        agent = self._live(account_id, req.agent_id, req.use_tools)
        if req.session_id:
            conversation = self.conversations.find_conversation(agent.app.id, InvokeFrom.SERVICE_API, account_id,
                                                                req.session_id)
        else:
            conversation = self.conversations.create_conversation(agent.app.id, InvokeFrom.SERVICE_API, account_id,
                                                                  " ".join(req.message.split())[:40])
        started = self.turns.start(account_id, agent.config, conversation, req.message, TaskOwner.account(account_id))
        return SessionTurn(started, str(conversation.id))

    def chat_blocking(self, account_id: uuid.UUID, req: AgentChatReq) -> tuple[str, Message, list[MessageAgentThought]]:
        """A session turn, waited for: (session id, the saved message, its steps); a failed turn is 502."""
        turn = self.chat(account_id, req)
        self.turns.wait(turn.started)
        message, thoughts = self.conversations.message_with_thoughts(uuid.UUID(turn.started.message_id))
        if message.status == "error":
            raise UpstreamException(message.error or "the agent failed")
        return turn.session_id, message, thoughts

    def history(self, account_id: uuid.UUID, session_id: uuid.UUID) -> tuple[Conversation, list[Message]]:
        conversation = self.db.session.get(Conversation, session_id)
        if (conversation is None or conversation.is_deleted or conversation.created_by != account_id
                or conversation.invoke_from != InvokeFrom.SERVICE_API.value):
            raise NotFoundException("session not found")
        get_owned(self.db, App, conversation.app_id, account_id, "session not found")
        messages = list(self.db.session.scalars(select(Message).where(
            Message.conversation_id == conversation.id, Message.is_deleted.is_(False))
            .order_by(Message.created_at, Message.id)))
        return conversation, messages


def dump_agent(agent: Agent) -> dict[str, Any]:
    c, app = agent.config, agent.app
    return {"id": str(app.id), "object": "agent", "name": app.name, "description": app.description,
            "agent_type": c.agent_type, "model": f"{c.language_model.provider}/{c.language_model.model}",
            "system_prompt": c.preset_prompt, "tools": [t.model_dump() for t in c.tools],
            "datasets": [str(d) for d in c.datasets], "delegates": [str(d) for d in c.delegates],
            "status": app.status,
            "created_at": int(app.created_at.timestamp())}


_STEP_EVENTS = {"agent_thought", "agent_action", "dataset_retrieval", "long_term_memory_recall"}


def session_events(events, session_id: str, message_id: str):
    """The agent API's SSE: `thought` (a step), `message` (answer text), `error`, then `done`
    (session and message ids, status, usage); `: ping` comments keep the connection alive."""
    prompt = completion = 0
    status = "error"
    for event, data in events:
        prompt += int(data.get("message_token_count") or 0)
        completion += int(data.get("answer_token_count") or 0)
        if event == "ping":
            yield comment()
        elif event in _STEP_EVENTS:
            yield frame("thought", {"event": event, "thought": data.get("thought", ""), "tool": data.get("tool", ""),
                                    "tool_input": data.get("tool_input") or {},
                                    "observation": data.get("observation", ""), "latency": data.get("latency", 0)})
        elif event == "agent_message" and data.get("thought"):
            yield frame("message", {"delta": data["thought"]})
        elif event in ("error", "timeout"):
            yield frame("error", {"message": data.get("observation") or "the agent failed"})
        if event in ("agent_end", "stop", "error", "timeout"):
            status = {"agent_end": "normal", "stop": "stop"}.get(event, "error")
            break
    yield frame("done", {"session_id": session_id, "message_id": message_id, "status": status,
                         "usage": {"prompt_tokens": prompt, "completion_tokens": completion,
                                   "total_tokens": prompt + completion}})

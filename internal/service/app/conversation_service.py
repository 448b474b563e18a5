"""Conversations and messages as the chat runtime writes them.

Every method takes ids and plain values and needs no Flask request, only an app context for the
database session, so a run decoupled from the HTTP connection (a background greenlet, a Celery
task) records each step as it happens and ends its message even if the client is gone. Each
write is its own short transaction. The console's reading and editing is
conversation_console_service.py."""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from injector import inject
from redis import Redis
from sqlalchemy import func, select, update

from internal.entity.app_entity import DEFAULT_CONVERSATION_NAME, InvokeFrom, MessageStatus
from internal.exception import NotFoundException
from internal.model.app import App
from internal.model.conversation import Conversation, Message, MessageAgentThought
from internal.model.end_user import EndUser
from pkg.sqlalchemy import SQLAlchemy


def analysis_epoch_key(app_id: uuid.UUID) -> str:
    """Bumped whenever an app's message figures change; the analysis cache is keyed by it."""
    return f"app-analysis-epoch:{app_id}"


def parse_id(value: Any, what: str) -> uuid.UUID:
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except ValueError:
        raise NotFoundException(f"{what} not found") from None


@inject
@dataclass
class ConversationService:
    db: SQLAlchemy
    redis: Redis

    def create_conversation(self, app_id: uuid.UUID | None, invoke_from: InvokeFrom | str, created_by: uuid.UUID,
                            name: str = DEFAULT_CONVERSATION_NAME) -> Conversation:
        conversation = Conversation(app_id=app_id, invoke_from=InvokeFrom(invoke_from).value, created_by=created_by,
                                    name=name[:255])
        with self.db.auto_commit():
            self.db.session.add(conversation)
        return conversation

    def get_or_create_end_user(self, app: App, end_user_id=None) -> EndUser:
        """The service API's caller: an existing end user of THIS app, or a new one."""
        if end_user_id:
            row = self.db.session.get(EndUser, parse_id(end_user_id, "end user"))
            if row is None or row.app_id != app.id:
                raise NotFoundException("end user not found")
            return row
        row = EndUser(account_id=app.account_id, app_id=app.id)
        with self.db.auto_commit():
            self.db.session.add(row)
        return row

    def find_conversation(self, app_id: uuid.UUID, invoke_from: InvokeFrom | str, created_by: uuid.UUID,
                          conversation_id) -> Conversation:
        """A conversation a chat continues: of this app, this surface and this caller, not deleted."""
        conv = self.db.session.get(Conversation, parse_id(conversation_id, "conversation"))
        if (conv is None or conv.is_deleted or conv.app_id != app_id or conv.created_by != created_by
                or conv.invoke_from != InvokeFrom(invoke_from).value):
            raise NotFoundException("conversation not found")
        return conv

    def get_or_create_debug_conversation(self, app: App) -> Conversation:
        """The app's debug conversation (the owner's), created on first use."""
        if app.debug_conversation_id:
            conv = self.db.session.get(Conversation, app.debug_conversation_id)
            if conv is not None and not conv.is_deleted:
                return conv
        conv = Conversation(id=uuid.uuid4(), app_id=app.id, invoke_from=InvokeFrom.DEBUGGER.value,
                            created_by=app.account_id, name=DEFAULT_CONVERSATION_NAME)
        with self.db.auto_commit():
            self.db.session.add(conv)
            app.debug_conversation_id = conv.id
        return conv

    def start_message(self, conversation: Conversation, query: str, image_urls: list[str] | None = None,
                      task_id: uuid.UUID | None = None, message_id: uuid.UUID | None = None) -> Message:
        """A `running` message. `conversation` may be any object with the conversation's `id`,
        `app_id`, `invoke_from` and `created_by` (a run in another session passes plain values)."""
        message = Message(id=message_id or uuid.uuid4(), app_id=conversation.app_id, conversation_id=conversation.id,
                          invoke_from=conversation.invoke_from, created_by=conversation.created_by, query=query,
                          image_urls=list(image_urls or []), task_id=task_id, status=MessageStatus.RUNNING.value)
        with self.db.auto_commit():
            self.db.session.add(message)
        return message

    def append_thought(self, message_id: uuid.UUID, event: str, *, thought: str = "", observation: str = "",
                       tool: str = "", tool_input: dict | None = None, message_token_count: int = 0,
                       answer_token_count: int = 0, price: float = 0.0, latency: float = 0.0,
                       thought_id: uuid.UUID | None = None, position: int | None = None) -> MessageAgentThought:
        """Record one agent step now (not after the stream): a client that disconnects or a
        worker that dies leaves the steps taken so far. A runtime that records steps from several
        threads passes its own `position`; otherwise the next one is taken."""
        message = self.db.session.get(Message, message_id)
        if message is None:
            raise NotFoundException("message not found")
        if position is None:
            position = (self.db.session.scalar(select(func.max(MessageAgentThought.position)).where(
                MessageAgentThought.message_id == message.id)) or 0) + 1
        row = MessageAgentThought(
            id=thought_id or uuid.uuid4(), app_id=message.app_id, conversation_id=message.conversation_id,
            message_id=message.id, invoke_from=message.invoke_from, created_by=message.created_by,
            position=position, event=event, thought=thought, observation=observation, tool=tool,
            tool_input=tool_input or {}, message_token_count=message_token_count,
            answer_token_count=answer_token_count, total_token_count=message_token_count + answer_token_count,
            price=price, latency=latency)
        with self.db.auto_commit():
            self.db.session.add(row)
        return row

    def finish_message(self, message_id: uuid.UUID, status: MessageStatus | str, *, answer: str = "",
                       error: str = "", message_token_count: int = 0, answer_token_count: int = 0,
                       price: float = 0.0, latency: float = 0.0) -> bool:
        """End a running message once (tokens and price of every model call of the turn). Only a
        message still `running` is changed, so a late finisher (a crashed run's sweeper, a stop)
        never overwrites the first outcome; answers whether this call ended it."""
        status = MessageStatus(status)
        if status == MessageStatus.RUNNING:
            raise ValueError("finish_message needs a final status")
        with self.db.auto_commit():
            result = self.db.session.execute(
                update(Message)
                .where(Message.id == message_id, Message.status == MessageStatus.RUNNING.value)
                .values(status=status.value, answer=answer, error=error, message_token_count=message_token_count,
                        answer_token_count=answer_token_count,
                        total_token_count=message_token_count + answer_token_count,
                        price=price, latency=latency, updated_at=datetime.now(UTC))
                .returning(Message.id, Message.app_id)
            )
            ended = result.first()
        if ended is not None and ended.app_id is not None:  # the assistant's messages belong to no app
            self.redis.incr(analysis_epoch_key(ended.app_id))
        return ended is not None

    def fail_stale_messages(self, started_before: datetime, error: str = "the run ended unexpectedly") -> int:
        """End every message still `running` that started before `started_before` (a run whose
        worker died); answers how many. Meant for a periodic sweep."""
        with self.db.auto_commit():
            rows = self.db.session.execute(
                update(Message)
                .where(Message.status == MessageStatus.RUNNING.value, Message.created_at < started_before)
                .values(status=MessageStatus.ERROR.value, error=error, updated_at=datetime.now(UTC))
                .returning(Message.app_id)
            ).scalars().all()
        for app_id in set(rows) - {None}:
            self.redis.incr(analysis_epoch_key(app_id))
        return len(rows)

    def recent_history(self, conversation_id: uuid.UUID, rounds: int) -> list[tuple[str, str]]:
        """The last `rounds` finished (query, answer) pairs of a conversation, oldest first: the
        short-term memory of the next turn."""
        if rounds <= 0:
            return []
        rows = self.db.session.execute(
            select(Message.query, Message.answer)
            .where(Message.conversation_id == conversation_id, Message.is_deleted.is_(False),
                   Message.status.in_((MessageStatus.NORMAL.value, MessageStatus.STOP.value)), Message.answer != "")
            .order_by(Message.created_at.desc(), Message.id.desc()).limit(rounds)).all()
        return [(q, a) for q, a in reversed(rows)]

    def message_with_thoughts(self, message_id: uuid.UUID) -> tuple[Message, list[MessageAgentThought]]:
        """A message as the run saved it (in its own session), with its steps in order."""
        self.db.session.expire_all()
        message = self.db.session.get(Message, message_id)
        if message is None:
            raise NotFoundException("message not found")
        thoughts = list(self.db.session.scalars(select(MessageAgentThought).where(
            MessageAgentThought.message_id == message.id).order_by(MessageAgentThought.position)))
        return message, thoughts

    def update_summary(self, conversation_id: uuid.UUID, summary: str) -> None:
        """Long-term memory written after a turn (by the runtime) or by the owner in the console."""
        with self.db.auto_commit():
            self.db.session.execute(update(Conversation).where(Conversation.id == conversation_id)
                                    .values(summary=summary, updated_at=datetime.now(UTC)))

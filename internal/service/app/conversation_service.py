"""Conversations and messages: what the chat runtime writes and the console reads.

Writing (`create_conversation`, `start_message`, `append_thought`, `finish_message`) takes ids
and plain values and needs no Flask request, only an app context for the database session, so
a run decoupled from the HTTP connection (a background greenlet, a Celery task) records each
step as it happens and ends its message even if the client is gone. Each write is its own short
transaction. Reading checks the caller: a conversation is visible to the account or end user who
holds it (`created_by`) and to nobody else."""
from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from injector import inject
from redis import Redis
from sqlalchemy import func, select, update

from internal.entity.app_entity import DEFAULT_CONVERSATION_NAME, InvokeFrom, MessageStatus
from internal.exception import NotFoundException, ValidateErrorException
from internal.model.app import App
from internal.model.conversation import Conversation, Message, MessageAgentThought
from internal.model.end_user import EndUser
from pkg.paginator import Paginator, PaginatorReq
from pkg.sqlalchemy import SQLAlchemy


@dataclass
class MessagePage:
    """A page of messages with each message's steps (loaded in one query, no N+1)."""
    rows: Sequence[Message]
    paginator: Paginator
    thoughts: dict[uuid.UUID, list[MessageAgentThought]]


# finished statuses shown in message lists (a running message shows once it ends)
LISTED_STATUSES = (MessageStatus.NORMAL.value, MessageStatus.STOP.value, MessageStatus.ERROR.value)


def analysis_epoch_key(app_id: uuid.UUID) -> str:
    """Bumped whenever an app's message figures change; the analysis cache is keyed by it."""
    return f"app-analysis-epoch:{app_id}"


def _uuid(value: Any, what: str) -> uuid.UUID:
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except ValueError:
        raise NotFoundException(f"{what} not found") from None


@inject
@dataclass
class ConversationService:
    db: SQLAlchemy
    redis: Redis

    # -- writing (the chat runtime) ---------------------------------------------------------
    def create_conversation(self, app_id: uuid.UUID, invoke_from: InvokeFrom | str, created_by: uuid.UUID,
                            name: str = DEFAULT_CONVERSATION_NAME) -> Conversation:
        conversation = Conversation(app_id=app_id, invoke_from=InvokeFrom(invoke_from).value, created_by=created_by,
                                    name=name[:255])
        with self.db.auto_commit():
            self.db.session.add(conversation)
        return conversation

    def get_or_create_end_user(self, app: App, end_user_id=None) -> EndUser:
        """The service API's caller: an existing end user of THIS app, or a new one."""
        if end_user_id:
            row = self.db.session.get(EndUser, _uuid(end_user_id, "end user"))
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
        conv = self.db.session.get(Conversation, _uuid(conversation_id, "conversation"))
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
                      task_id: uuid.UUID | None = None) -> Message:
        message = Message(app_id=conversation.app_id, conversation_id=conversation.id,
                          invoke_from=conversation.invoke_from, created_by=conversation.created_by, query=query,
                          image_urls=list(image_urls or []), task_id=task_id, status=MessageStatus.RUNNING.value)
        with self.db.auto_commit():
            self.db.session.add(message)
        return message

    def append_thought(self, message_id: uuid.UUID, event: str, *, thought: str = "", observation: str = "",
                       tool: str = "", tool_input: dict | None = None, message_token_count: int = 0,
                       answer_token_count: int = 0, price: float = 0.0, latency: float = 0.0,
                       thought_id: uuid.UUID | None = None) -> MessageAgentThought:
        """Record one agent step now (not after the stream): a client that disconnects or a
        worker that dies leaves the steps taken so far."""
        message = self.db.session.get(Message, message_id)
        if message is None:
            raise NotFoundException("message not found")
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
                .returning(Message.app_id)
            )
            app_id = result.scalar_one_or_none()
        if app_id is not None:
            self.redis.incr(analysis_epoch_key(app_id))
        return app_id is not None

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
        for app_id in set(rows):
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

    def update_summary(self, conversation_id: uuid.UUID, summary: str) -> None:
        """Long-term memory written after a turn (by the runtime) or by the owner in the console."""
        with self.db.auto_commit():
            self.db.session.execute(update(Conversation).where(Conversation.id == conversation_id)
                                    .values(summary=summary, updated_at=datetime.now(UTC)))

    # -- reading (the console) -----------------------------------------------------------------
    def get_conversation(self, caller_id: uuid.UUID, conversation_id) -> Conversation:
        conv = self.db.session.get(Conversation, _uuid(conversation_id, "conversation"))
        if conv is None or conv.is_deleted or conv.created_by != caller_id:
            raise NotFoundException("conversation not found")
        return conv

    def get_messages_with_page(self, conversation: Conversation, req: PaginatorReq,
                               created_at: int = 0) -> MessagePage:
        """Newest first. `created_at` (UNIX seconds, the first item's on page 1) pins the list so
        that messages arriving while the user scrolls do not shift later pages; everything up to
        the end of that second is included."""
        stmt = select(Message).where(Message.conversation_id == conversation.id, Message.is_deleted.is_(False),
                                     Message.status.in_(LISTED_STATUSES))
        if created_at:
            stmt = stmt.where(Message.created_at < datetime.fromtimestamp(created_at + 1, UTC))
        stmt = stmt.order_by(Message.created_at.desc(), Message.id.desc())
        rows, paginator = Paginator.paginate(self.db.session, stmt, req)
        return MessagePage(rows, paginator, self.thoughts_of(rows))

    def thoughts_of(self, messages: Sequence[Message]) -> dict[uuid.UUID, list[MessageAgentThought]]:
        out: dict[uuid.UUID, list[MessageAgentThought]] = {m.id: [] for m in messages}
        if not messages:
            return out
        for row in self.db.session.scalars(select(MessageAgentThought).where(
                MessageAgentThought.message_id.in_(list(out))).order_by(MessageAgentThought.position)):
            out[row.message_id].append(row)
        return out

    def get_conversation_messages_with_page(self, caller_id: uuid.UUID, conversation_id, req: PaginatorReq,
                                            created_at: int = 0) -> MessagePage:
        return self.get_messages_with_page(self.get_conversation(caller_id, conversation_id), req, created_at)

    def get_conversation_name(self, caller_id: uuid.UUID, conversation_id) -> str:
        return self.get_conversation(caller_id, conversation_id).name

    def update_conversation_name(self, caller_id: uuid.UUID, conversation_id, name: str) -> Conversation:
        conv = self.get_conversation(caller_id, conversation_id)
        with self.db.auto_commit():
            conv.name = name
        return conv

    def update_conversation_is_pinned(self, caller_id: uuid.UUID, conversation_id, is_pinned: bool) -> Conversation:
        conv = self.get_conversation(caller_id, conversation_id)
        if conv.invoke_from == InvokeFrom.DEBUGGER.value:
            raise ValidateErrorException("the debug conversation cannot be pinned")
        with self.db.auto_commit():
            conv.is_pinned = is_pinned
        return conv

    def delete_conversation(self, caller_id: uuid.UUID, conversation_id) -> None:
        conv = self.get_conversation(caller_id, conversation_id)
        with self.db.auto_commit():
            conv.is_deleted = True
            self._detach_debug(conv)

    def delete_message(self, caller_id: uuid.UUID, conversation_id, message_id) -> None:
        conv = self.get_conversation(caller_id, conversation_id)
        message = self.db.session.get(Message, _uuid(message_id, "message"))
        if message is None or message.conversation_id != conv.id or message.is_deleted:
            raise NotFoundException("message not found")
        with self.db.auto_commit():
            message.is_deleted = True

    def delete_debug_conversation(self, app: App) -> None:
        """Clear the debug pane: the conversation is deleted and the next chat starts a new one."""
        with self.db.auto_commit():
            if app.debug_conversation_id:
                self.db.session.execute(update(Conversation).where(Conversation.id == app.debug_conversation_id)
                                        .values(is_deleted=True))
            app.debug_conversation_id = None

    def _detach_debug(self, conv: Conversation) -> None:
        if conv.invoke_from == InvokeFrom.DEBUGGER.value:
            app = self.db.session.get(App, conv.app_id)
            if app is not None and app.debug_conversation_id == conv.id:
                app.debug_conversation_id = None

    def web_app_conversations(self, caller_id: uuid.UUID, app_id: uuid.UUID, is_pinned: bool | None) -> Sequence[Conversation]:
        stmt = select(Conversation).where(Conversation.app_id == app_id, Conversation.created_by == caller_id,
                                          Conversation.invoke_from == InvokeFrom.WEB_APP.value,
                                          Conversation.is_deleted.is_(False))
        if is_pinned is not None:
            stmt = stmt.where(Conversation.is_pinned.is_(is_pinned))
        return self.db.session.scalars(stmt.order_by(Conversation.created_at.desc()).limit(200)).all()

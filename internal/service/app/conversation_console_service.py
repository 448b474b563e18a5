"""The console's side of conversations: a caller's own conversations and their messages (cursor
pages, name, pin, delete) and the app owner's debug conversation. A conversation is visible to
the account or end user who holds it (`created_by`) and to nobody else."""
from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from injector import inject
from sqlalchemy import select, update

from internal.entity.app_entity import InvokeFrom, MessageStatus
from internal.exception import NotFoundException, ValidateErrorException
from internal.model.app import App
from internal.model.conversation import Conversation, Message, MessageAgentThought
from pkg.paginator import Paginator, PaginatorReq
from pkg.sqlalchemy import SQLAlchemy

from .conversation_service import parse_id

# finished statuses shown in message lists (a running message shows once it ends)
LISTED_STATUSES = (MessageStatus.NORMAL.value, MessageStatus.STOP.value, MessageStatus.ERROR.value)


@dataclass
class MessagePage:
    """A page of messages with each message's steps (loaded in one query, no N+1)."""
    rows: Sequence[Message]
    paginator: Paginator
    thoughts: dict[uuid.UUID, list[MessageAgentThought]]


@inject
@dataclass
class ConversationConsoleService:
    db: SQLAlchemy

    def get_conversation(self, caller_id: uuid.UUID, conversation_id) -> Conversation:
        conv = self.db.session.get(Conversation, parse_id(conversation_id, "conversation"))
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
                MessageAgentThought.message_id.in_(list(out))).order_by(MessageAgentThought.position,
                                                                        MessageAgentThought.created_at)):
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
        message = self.db.session.get(Message, parse_id(message_id, "message"))
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

"""Console /conversations: a caller's own conversations (web app, debug) — messages, name,
pin, delete; deleting a message answers on both the table's path and the console's variant."""
from __future__ import annotations

import uuid
from dataclasses import dataclass

from flask_login import current_user, login_required
from injector import inject

from internal.handler.validation import validate
from internal.schema.app_schema import CursorPageReq, MessageResp
from internal.schema.conversation_schema import UpdateConversationIsPinnedReq, UpdateConversationNameReq
from internal.service.app.conversation_console_service import ConversationConsoleService
from pkg.response import success_json, success_message

from .app_handler import messages_page


@inject
@dataclass
class ConversationHandler:
    conversation_service: ConversationConsoleService

    @login_required
    @validate(query=CursorPageReq, response=MessageResp)
    def get_conversation_messages_with_page(self, conversation_id: uuid.UUID, query: CursorPageReq):
        return success_json(messages_page(self.conversation_service.get_conversation_messages_with_page(
            current_user.id, conversation_id, query, query.created_at)))

    @login_required
    def get_conversation_name(self, conversation_id: uuid.UUID):
        return success_json({"name": self.conversation_service.get_conversation_name(current_user.id, conversation_id)})

    @login_required
    @validate(body=UpdateConversationNameReq)
    def update_conversation_name(self, conversation_id: uuid.UUID, req: UpdateConversationNameReq):
        self.conversation_service.update_conversation_name(current_user.id, conversation_id, req.name)
        return success_message("conversation renamed")

    @login_required
    @validate(body=UpdateConversationIsPinnedReq)
    def update_conversation_is_pinned(self, conversation_id: uuid.UUID, req: UpdateConversationIsPinnedReq):
        self.conversation_service.update_conversation_is_pinned(current_user.id, conversation_id, req.is_pinned)
        return success_message("conversation updated")

    @login_required
    def delete_conversation(self, conversation_id: uuid.UUID):
        self.conversation_service.delete_conversation(current_user.id, conversation_id)
        return success_message("conversation deleted")

    @login_required
    def delete_message(self, conversation_id: uuid.UUID, message_id: uuid.UUID):
        self.conversation_service.delete_message(current_user.id, conversation_id, message_id)
        return success_message("message deleted")

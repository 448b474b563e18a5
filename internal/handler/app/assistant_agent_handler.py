"""Console /assistant-agent: the home page's helper that creates apps for the user (SSE chat,
stop, its messages, a fresh start)."""
from __future__ import annotations

import uuid
from dataclasses import dataclass

from flask_login import current_user, login_required
from injector import inject

from internal.handler.sse import sse_errors, sse_response
from internal.handler.validation import document, validate
from internal.schema.app_schema import CursorPageReq, MessageResp
from internal.schema.chat_schema import DebugChatReq
from internal.service.app.chat.assistant_service import AssistantAgentService
from pkg.response import success_json, success_message

from .app_handler import messages_page


@inject
@dataclass
class AssistantAgentHandler:
    assistant: AssistantAgentService

    @sse_errors
    @login_required
    @document(produces=("text/event-stream",))
    @validate(body=DebugChatReq)
    def assistant_agent_chat(self, req: DebugChatReq):
        """Chat with the assistant (SSE frames as the debug chat's)."""
        started = self.assistant.chat(current_user.id, req.query, req.image_urls)
        return sse_response(self.assistant.frames(started))

    @login_required
    def stop_assistant_agent_chat(self, task_id: uuid.UUID):
        self.assistant.stop(current_user.id, task_id)
        return success_message("stop requested")

    @login_required
    @validate(query=CursorPageReq, response=MessageResp)
    def get_assistant_agent_messages_with_page(self, query: CursorPageReq):
        return success_json(messages_page(self.assistant.messages(current_user.id, query, query.created_at)))

    @login_required
    def delete_assistant_agent_conversation(self):
        self.assistant.delete_conversation(current_user.id)
        return success_message("conversation cleared")

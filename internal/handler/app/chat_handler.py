"""Chat routes: the debug pane and the web app (console, SSE) and /openapi/chat (API key; SSE or
blocking JSON). The run is decoupled from this connection: the SSE body only reads its frames."""
from __future__ import annotations

import uuid
from dataclasses import dataclass

from flask_login import current_user, login_required
from injector import inject

from internal.handler.sse import sse_errors, sse_response
from internal.handler.validation import document, validate
from internal.schema.chat_schema import DebugChatReq, OpenApiChatReq, OpenApiChatResp, WebAppChatReq
from internal.service.app.chat.chat_service import ChatResult, ChatService
from pkg.response import success_message

from .serializers import dump_message

_SSE = ("text/event-stream",)


def dump_result(result: ChatResult) -> dict:
    return {**dump_message(result.message, result.thoughts), "end_user_id": result.end_user_id}


@inject
@dataclass
class ChatHandler:
    chat_service: ChatService

    @sse_errors
    @login_required
    @document(produces=_SSE)
    @validate(body=DebugChatReq)
    def debug_chat(self, app_id: uuid.UUID, req: DebugChatReq):
        """Chat with the app's draft in the debug pane (SSE frames, DESIGN §1)."""
        started = self.chat_service.debug_chat(current_user.id, app_id, req.query, req.image_urls)
        return sse_response(self.chat_service.frames(started))

    @login_required
    def stop_debug_chat(self, app_id: uuid.UUID, task_id: uuid.UUID):
        self.chat_service.stop_debug_chat(current_user.id, app_id, task_id)
        return success_message("stop requested")

    @sse_errors
    @login_required
    @document(produces=_SSE)
    @validate(body=WebAppChatReq)
    def web_app_chat(self, token: str, req: WebAppChatReq):
        """Chat with a published app by its web-app token (SSE frames, DESIGN §1)."""
        started = self.chat_service.web_app_chat(current_user.id, token, req.conversation_id, req.query,
                                                 req.image_urls)
        return sse_response(self.chat_service.frames(started))

    @login_required
    def stop_web_app_chat(self, token: str, task_id: uuid.UUID):
        self.chat_service.stop_web_app_chat(current_user.id, token, task_id)
        return success_message("stop requested")

    @login_required
    @document(produces=("application/json", *_SSE),
              statuses={404: "The app, end user or conversation is not found (or another account's)"})
    @validate(body=OpenApiChatReq, response=OpenApiChatResp)
    def openapi_chat(self, req: OpenApiChatReq):
        """Chat with a published app from code: `stream` true gives SSE frames, false one JSON answer."""
        started, end_user = self.chat_service.service_api_chat(current_user.id, req.app_id, req.end_user_id,
                                                               req.conversation_id, req.query, req.image_urls)
        if req.stream:
            return sse_response(self.chat_service.frames(started))
        return dump_result(self.chat_service.result(started, str(end_user.id)))

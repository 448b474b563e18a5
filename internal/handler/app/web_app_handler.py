"""Console /web-apps/<token>: a published app's public face and the caller's conversations
with it (web-app chat itself: the chat runtime)."""
from __future__ import annotations

from dataclasses import dataclass

from flask_login import current_user, login_required
from injector import inject

from internal.handler.validation import validate
from internal.schema.conversation_schema import ConversationResp, WebAppConversationsReq
from internal.service.app.web_app_service import WebAppService
from pkg.response import success_json

from .serializers import dump_conversation


@inject
@dataclass
class WebAppHandler:
    web_app_service: WebAppService

    @login_required
    def get_web_app(self, token: str):
        """Only a published app answers; the visitor sees its published configuration."""
        return success_json(self.web_app_service.get_web_app_info(token))

    @login_required
    @validate(query=WebAppConversationsReq, response=ConversationResp)
    def get_conversations(self, token: str, query: WebAppConversationsReq):
        """A plain list (not paginated), newest first."""
        rows = self.web_app_service.get_conversations(current_user.id, token, query.is_pinned)
        return success_json([dump_conversation(c) for c in rows])

"""Console /conversations and /web-apps request models."""
from __future__ import annotations

from pydantic import BaseModel, Field

from .fields import Name


class UpdateConversationNameReq(BaseModel):
    name: Name = Field(min_length=1, max_length=100)


class UpdateConversationIsPinnedReq(BaseModel):
    is_pinned: bool


class WebAppConversationsReq(BaseModel):
    """`is_pinned=true|false` (the console asks twice); absent: all."""
    is_pinned: bool | None = None


class ConversationResp(BaseModel):
    id: str
    name: str
    summary: str
    created_at: int

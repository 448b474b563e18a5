"""Console /conversations and /web-apps request models."""
from __future__ import annotations

from pydantic import BaseModel, Field, field_validator


class UpdateConversationNameReq(BaseModel):
    name: str = Field(min_length=1, max_length=100)

    @field_validator("name")
    @classmethod
    def _strip(cls, v: str) -> str:
        v = v.strip()
        if not v:
            raise ValueError("name must not be blank")
        return v


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

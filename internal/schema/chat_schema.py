"""Bodies of the chat routes: debug pane, web app, /openapi/chat (course field names)."""
from __future__ import annotations

import uuid

from pydantic import BaseModel, Field, field_validator

from .app_schema import MessageResp

MAX_QUERY_CHARS = 8000
MAX_IMAGE_URLS = 5


class DebugChatReq(BaseModel):
    query: str = Field(min_length=1, max_length=MAX_QUERY_CHARS)
    image_urls: list[str] = Field(default_factory=list, max_length=MAX_IMAGE_URLS)

    @field_validator("query")
    @classmethod
    def _not_blank(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("query must not be empty")
        return v

    @field_validator("image_urls")
    @classmethod
    def _http_urls(cls, v: list[str]) -> list[str]:
        for url in v:
            if len(url) > 2048 or not url.startswith(("https://", "http://")):
                raise ValueError("each image URL must be an http(s) URL of at most 2048 characters")
        return v


class WebAppChatReq(DebugChatReq):
    conversation_id: str = Field(default="", max_length=36)  # "" starts a new conversation


class OpenApiChatReq(DebugChatReq):
    app_id: uuid.UUID
    end_user_id: str = Field(default="", max_length=36)       # "" creates an end user
    conversation_id: str = Field(default="", max_length=36)   # "" starts a new conversation
    stream: bool = True


class OpenApiChatResp(MessageResp):
    end_user_id: str


class OptimizePromptReq(BaseModel):
    prompt: str = Field(min_length=1, max_length=2000)


class SuggestedQuestionsReq(BaseModel):
    message_id: uuid.UUID

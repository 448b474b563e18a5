"""Console /apps request/response models (course + llmops-ui field names)."""
from __future__ import annotations

import uuid
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from internal.schema.fields import IconUrl, Name
from pkg.paginator.paginator import PaginatorReq, SearchPaginatorReq


class CreateAppReq(BaseModel):
    name: Name = Field(min_length=1, max_length=40)
    icon: IconUrl = Field(min_length=1, max_length=512)
    description: str = Field(default="", max_length=800)


class UpdateAppReq(CreateAppReq):
    pass


class GetAppsWithPageReq(SearchPaginatorReq):
    pass


class AppListItemResp(BaseModel):
    id: str
    name: str
    icon: str
    description: str
    preset_prompt: str
    model_config_: dict = Field(serialization_alias="model_config")
    status: str
    updated_at: int
    created_at: int


class AppResp(BaseModel):
    id: str
    debug_conversation_id: str
    name: str
    icon: str
    description: str
    status: str
    draft_updated_at: int
    updated_at: int
    created_at: int


class DraftAppConfigReq(BaseModel):
    """Any subset of these keys (each console ability posts only its own); `model` is the
    console's name for `model_config`. Values are checked by AppConfig when merged."""
    model_config = ConfigDict(extra="forbid", populate_by_name=True, protected_namespaces=())

    model_config_: dict[str, Any] | None = Field(default=None, alias="model_config")
    model: dict[str, Any] | None = None
    dialog_round: int | None = None
    preset_prompt: str | None = None
    tools: list[dict[str, Any]] | None = None
    workflows: list[str] | None = None
    datasets: list[str] | None = None
    retrieval_config: dict[str, Any] | None = None
    long_term_memory: dict[str, Any] | None = None
    opening_statement: str | None = None
    opening_questions: list[str] | None = None
    speech_to_text: dict[str, Any] | None = None
    text_to_speech: dict[str, Any] | None = None
    suggested_after_answer: dict[str, Any] | None = None
    review_config: dict[str, Any] | None = None


class PublishHistoryResp(BaseModel):
    id: str
    version: int
    created_at: int


class FallbackHistoryToDraftReq(BaseModel):
    app_config_version_id: uuid.UUID


class UpdateSummaryReq(BaseModel):
    summary: str = Field(default="", max_length=10_000)


class GetPublishHistoriesReq(PaginatorReq):
    pass


class CursorPageReq(PaginatorReq):
    """A message list: newest first, `created_at` (UNIX seconds) pins it while scrolling."""
    page_size: int = Field(default=5, ge=1, le=50)
    created_at: int = Field(default=0, ge=0, le=32_503_680_000)


class MessageResp(BaseModel):
    id: str
    conversation_id: str
    query: str
    image_urls: list[str]
    answer: str
    status: str
    error: str
    total_token_count: int
    latency: float
    agent_thoughts: list[dict]
    created_at: int


class AddBuiltinAppReq(BaseModel):
    builtin_app_id: str = Field(min_length=1, max_length=64)

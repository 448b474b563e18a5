"""Knowledge-base request/response models (course + llmops-ui field names)."""
from __future__ import annotations

import uuid
from typing import Any

from pydantic import AliasChoices, BaseModel, Field, PrivateAttr, field_validator, model_validator

from internal.core.text_splitter import ProcessRule, ProcessRuleError
from internal.entity.dataset_entity import MAX_UPLOAD_FILES_PER_REQUEST
from pkg.paginator.paginator import SearchPaginatorReq


class CreateDatasetReq(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    icon: str = Field(default="", max_length=512)
    description: str = Field(default="", max_length=2000)
    # the dataset's embedding model (vector space), e.g. "local:multilingual-e5-small"; absent
    # (the console never sends it): the configured default on create, unchanged on update.
    # The service checks it against the models this deployment offers (validate_error).
    embedding_model: str | None = Field(default=None, min_length=1, max_length=255)

    @field_validator("name")
    @classmethod
    def _strip(cls, v: str) -> str:
        v = v.strip()
        if not v:
            raise ValueError("name must not be blank")
        return v


class UpdateDatasetReq(CreateDatasetReq):
    pass


class GetDatasetsWithPageReq(SearchPaginatorReq):
    pass


class DatasetResp(BaseModel):
    id: str
    name: str
    icon: str
    description: str
    document_count: int
    hit_count: int
    related_app_count: int
    character_count: int
    embedding_model: str
    embedding_status: str  # ready | reindexing
    updated_at: int
    created_at: int


class CreateDocumentsReq(BaseModel):
    upload_file_ids: list[uuid.UUID] = Field(min_length=1, max_length=MAX_UPLOAD_FILES_PER_REQUEST)
    process_type: str = "automatic"
    rule: dict[str, Any] | None = None
    _parsed: ProcessRule | None = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _check_rule(self):
        self.upload_file_ids = list(dict.fromkeys(self.upload_file_ids))
        rule = dict(self.rule or {})
        if "pre_process_rule" in rule and "pre_process_rules" not in rule:  # llmops-ui spelling
            rule["pre_process_rules"] = rule.pop("pre_process_rule")
        try:
            self._parsed = ProcessRule.parse(self.process_type, rule)
        except ProcessRuleError as exc:
            raise ValueError(str(exc)) from None
        return self

    @property
    def process_rule(self) -> ProcessRule:
        return self._parsed


class CreateDocumentsResp(BaseModel):
    documents: list[dict]
    batch: str


class GetDocumentsWithPageReq(SearchPaginatorReq):
    pass


class UpdateDocumentNameReq(BaseModel):
    name: str = Field(min_length=1, max_length=100)


class UpdateEnabledReq(BaseModel):
    enabled: bool


class SegmentReq(BaseModel):
    content: str = Field(min_length=1, max_length=20000)
    keywords: list[str] | None = Field(default=None, max_length=20)

    @field_validator("content")
    @classmethod
    def _not_blank(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("content must not be blank")
        return v


class GetSegmentsWithPageReq(SearchPaginatorReq):
    pass


class HitReq(BaseModel):
    query: str = Field(min_length=1, max_length=2000)
    retrieval_strategy: str = Field(default="semantic", pattern="^(semantic|full_text|hybrid)$")
    k: int = Field(default=4, ge=1, le=10)
    score: float = Field(default=0.0, ge=0.0, le=0.99, validation_alias=AliasChoices("score", "score_threshold"))

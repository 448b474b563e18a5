from __future__ import annotations

from pydantic import BaseModel, Field

from pkg.paginator.paginator import SearchPaginatorReq


class CreateApiKeyReq(BaseModel):
    is_active: bool = True
    remark: str = Field(default="", max_length=100)


class UpdateApiKeyReq(BaseModel):
    is_active: bool | None = None
    remark: str | None = Field(default=None, max_length=100)


class UpdateApiKeyIsActiveReq(BaseModel):
    is_active: bool


class GetApiKeysWithPageReq(SearchPaginatorReq):
    """`search_word` matches the remark."""


class ApiKeyResp(BaseModel):
    id: str
    api_key: str = Field(description="masked, except once in the creation response")
    is_active: bool
    remark: str
    last_used_at: int = Field(description="UNIX seconds, 0 when never; updated at most once a minute")
    updated_at: int
    created_at: int


class WhoAmIResp(BaseModel):
    account_id: str
    api_key_id: str

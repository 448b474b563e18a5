"""Console /api-tools request/response models (course + llmops-ui field names).

`auth` is our addition (the console does not send it): an optional object on create/update,
returned masked. Omitted on update = keep the stored auth. Shapes:
    {"type": "none"}
    {"type": "api_key", "in": "header" | "query", "name": "X-API-Key", "api_key": "..."}
    {"type": "bearer", "token": "..."}
    {"type": "basic", "username": "...", "password": "..."}
"""
from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from pkg.paginator.paginator import SearchPaginatorReq

from .fields import Name

_TOKEN = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")  # an HTTP header name (RFC 9110 token)
_LINE_BREAK = re.compile(r"[\r\n\x00]")
MAX_SCHEMA_CHARS = 1_000_000


class HeaderItem(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key: str = Field(max_length=256)
    value: str = Field(default="", max_length=8192)

    @field_validator("key")
    @classmethod
    def _key(cls, v: str) -> str:
        v = v.strip()
        if v and not _TOKEN.match(v):
            raise ValueError("a header name may only contain letters, digits and !#$%&'*+-.^_`|~")
        return v

    @field_validator("value")
    @classmethod
    def _value(cls, v: str) -> str:
        if _LINE_BREAK.search(v):
            raise ValueError("a header value must not contain line breaks")
        if not v.isascii():
            raise ValueError("a header value must be ASCII text (HTTP header values are)")
        return v.strip()


class AuthReq(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    type: Literal["none", "api_key", "bearer", "basic"] = "none"
    location: Literal["header", "query"] = Field(default="header", alias="in")
    name: str = Field(default="", max_length=256)
    api_key: str = Field(default="", max_length=8192)
    token: str = Field(default="", max_length=8192)
    username: str = Field(default="", max_length=512)
    password: str = Field(default="", max_length=8192)

    @model_validator(mode="after")
    def _complete(self):
        for field in ("name", "api_key", "token", "username", "password"):
            if _LINE_BREAK.search(getattr(self, field)):
                raise ValueError(f"auth.{field} must not contain line breaks")
        for field in ("api_key", "token"):
            if not getattr(self, field).isascii():
                raise ValueError(f"auth.{field} must be ASCII text")
        if self.type == "api_key":
            if not self.api_key:
                raise ValueError("auth.api_key is required for api_key auth")
            if self.name and not _TOKEN.match(self.name):
                raise ValueError("auth.name is not a valid header or parameter name")
        if self.type == "bearer" and not self.token:
            raise ValueError("auth.token is required for bearer auth")
        if self.type == "basic" and not self.username:
            raise ValueError("auth.username is required for basic auth")
        if self.type == "basic" and ":" in self.username:
            raise ValueError("auth.username must not contain ':'")
        return self


class ValidateOpenAPISchemaReq(BaseModel):
    openapi_schema: str = Field(min_length=1, max_length=MAX_SCHEMA_CHARS)


class CreateApiToolProviderReq(BaseModel):
    name: Name = Field(min_length=1, max_length=60)
    icon: str = Field(default="", max_length=512)
    openapi_schema: str = Field(min_length=1, max_length=MAX_SCHEMA_CHARS)
    headers: list[HeaderItem] = Field(default_factory=list, max_length=50)
    auth: AuthReq | None = None

    @field_validator("headers")
    @classmethod
    def _headers(cls, items: list[HeaderItem]) -> list[HeaderItem]:
        kept = [h for h in items if h.key or h.value]  # the console leaves empty rows behind
        for i, h in enumerate(kept):
            if not h.key:
                raise ValueError(f"headers[{i}].key must not be empty")
        return kept


class UpdateApiToolProviderReq(CreateApiToolProviderReq):
    pass


class GetApiToolProvidersWithPageReq(SearchPaginatorReq):
    pass


class ApiToolInputResp(BaseModel):
    name: str
    type: str
    description: str
    required: bool


class ApiToolBriefResp(BaseModel):
    id: str
    name: str
    description: str
    inputs: list[ApiToolInputResp]


class ApiToolProviderListItemResp(BaseModel):
    id: str
    name: str
    icon: str
    description: str
    headers: list[dict]
    auth: dict
    tools: list[ApiToolBriefResp]
    created_at: int


class ApiToolProviderResp(BaseModel):
    id: str
    name: str
    icon: str
    description: str
    openapi_schema: str
    headers: list[dict]
    auth: dict
    created_at: int
    updated_at: int


class ApiToolResp(BaseModel):
    id: str
    name: str
    description: str
    method: str
    path: str
    inputs: list[ApiToolInputResp]
    input_schema: dict
    provider: dict

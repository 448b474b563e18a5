"""Requests and responses of the /mcp-servers routes (docs/tools.md, "MCP servers"); the shape
follows /api-tools (headers as [{key, value}], masked on the way out)."""
from __future__ import annotations

from pydantic import BaseModel, Field, field_validator

from pkg.paginator import SearchPaginatorReq

from .api_tool_schema import HeaderItem
from .fields import Name


class CreateMcpServerReq(BaseModel):
    name: Name = Field(min_length=1, max_length=60)
    url: str = Field(min_length=1, max_length=2048)
    icon: str = Field(default="", max_length=512)
    description: str = Field(default="", max_length=2000)
    headers: list[HeaderItem] = Field(default_factory=list, max_length=50)

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        value = value.strip()
        if not value.lower().startswith(("http://", "https://")):
            raise ValueError("url must be an http:// or https:// URL (stdio servers are operator-only)")
        return value

    @field_validator("headers")
    @classmethod
    def _drop_empty_rows(cls, headers: list[HeaderItem]) -> list[HeaderItem]:
        return [h for h in headers if h.key or h.value]


class UpdateMcpServerReq(CreateMcpServerReq):
    pass


class GetMcpServersWithPageReq(SearchPaginatorReq):
    pass


class McpToolResp(BaseModel):
    name: str
    description: str
    input_schema: dict
    inputs: list[dict]


class McpServerResp(BaseModel):
    id: str
    name: str
    icon: str
    description: str
    url: str
    headers: list[dict]
    transport: str
    server_name: str
    tools: list[McpToolResp]
    refreshed_at: int
    created_at: int
    updated_at: int

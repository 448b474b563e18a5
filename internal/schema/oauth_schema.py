from __future__ import annotations

from pydantic import BaseModel, Field


class ProviderResp(BaseModel):
    redirect_url: str = Field(description="the provider's authorization URL, carrying `state`")


class AuthorizeReq(BaseModel):
    code: str = Field(min_length=1, max_length=2048, description="the authorization code from the provider")
    # The console (llmops-ui) sends only `code`; then `state` is read from the HttpOnly cookie
    # set by GET /oauth/<provider>. Clients that can carry it send it here.
    state: str | None = Field(default=None, max_length=256)

"""Console request/response models of the language-model routes (credentials and usage)."""
from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator


class SetProviderCredentialReq(BaseModel):
    config: dict[str, Any] = Field(description="credential fields of the provider's credential_schema")

    @field_validator("config")
    @classmethod
    def _strings(cls, value: dict[str, Any]) -> dict[str, Any]:
        for k, v in value.items():
            if not isinstance(k, str) or len(k) > 64:
                raise ValueError("credential field names must be short strings")
            if v is not None and not isinstance(v, (str, int, float)):
                raise ValueError(f"credential field {k!r} must be a string")
            if isinstance(v, str) and len(v) > 4096:
                raise ValueError(f"credential field {k!r} is too long")
        return value


class TestProviderCredentialReq(BaseModel):
    # optional: test these values before saving them; omitted -> test the stored credentials
    config: dict[str, Any] | None = None
    model: str | None = Field(default=None, max_length=255, description="model to try; default: the first chat model")


class ProviderCredentialResp(BaseModel):
    provider: str
    config: dict[str, Any] = Field(description="secrets masked, never the stored values")
    is_valid: bool | None
    last_tested_at: int
    updated_at: int


USAGE_DATE_MIN, USAGE_DATE_MAX = date(1970, 1, 1), date(9999, 12, 1)


class GetUsageReq(BaseModel):
    # bounded so the range arithmetic (30-day default, end + 1 day) cannot overflow (issue 9, F10)
    start_date: date | None = Field(default=None, ge=USAGE_DATE_MIN, le=USAGE_DATE_MAX)
    end_date: date | None = Field(default=None, ge=USAGE_DATE_MIN, le=USAGE_DATE_MAX)
    group_by: Literal["day", "key", "key_day", "model", "model_day"] = "key_day"
    api_key_id: str | None = None


class UsageRowResp(BaseModel):
    day: str | None = None
    api_key_id: str | None = None
    model: str | None = None
    requests: int
    errors: int
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int
    cost: float
    currency: str
    estimated_requests: int
    avg_latency_ms: float

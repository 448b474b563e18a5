"""Requests of the builtin tool credential routes."""
from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class SetBuiltinToolCredentialReq(BaseModel):
    model_config = ConfigDict(extra="forbid")
    config: dict[str, Any] = Field(description="credential fields the provider declares (e.g. api_key)")

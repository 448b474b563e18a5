from __future__ import annotations

from urllib.parse import urlparse

from pydantic import BaseModel, Field, field_validator

from .auth_schema import check_new_password
from .fields import Name


class AccountResp(BaseModel):
    id: str
    name: str
    email: str
    avatar: str
    last_login_at: int = Field(description="UNIX seconds, 0 when never")
    last_login_ip: str
    created_at: int
    is_password_set: bool


class UpdateNameReq(BaseModel):
    name: Name = Field(min_length=1, max_length=30)


class UpdateAvatarReq(BaseModel):
    avatar: str = Field(min_length=1, max_length=500, description="http(s) URL of the avatar image")

    @field_validator("avatar")
    @classmethod
    def _url(cls, value: str) -> str:
        value = value.strip()
        parsed = urlparse(value)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise ValueError("avatar must be an http(s) URL")
        return value


class UpdatePasswordReq(BaseModel):
    password: str = Field(max_length=64, description="the new password")
    # Required when the account already has a password (OAuth-only accounts may set a first one).
    old_password: str | None = Field(default=None, max_length=256)

    _password = field_validator("password")(check_new_password)

"""Request/response shapes of /auth/* (field names follow the course backend and llmops-ui)."""
from __future__ import annotations

import re
from datetime import UTC

from pydantic import BaseModel, Field, field_validator

from pkg.password import is_strong_enough

EMAIL_PATTERN = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.?[^@\s]*$")
PASSWORD_RULE_TEXT = "password must be 8-64 characters with at least one letter and one digit"


def normalise_email(value: str) -> str:
    return value.strip().lower()


def check_email(value: str) -> str:
    value = normalise_email(value)
    if not EMAIL_PATTERN.match(value):
        raise ValueError("email must be a valid e-mail address")
    return value


def check_new_password(value: str) -> str:
    if not is_strong_enough(value):
        raise ValueError(PASSWORD_RULE_TEXT)
    return value


class PasswordLoginReq(BaseModel):
    email: str = Field(min_length=3, max_length=255, description="login e-mail")
    password: str = Field(min_length=1, max_length=256, description="account password")

    _email = field_validator("email")(check_email)


class RegisterReq(BaseModel):
    email: str = Field(min_length=3, max_length=255)
    password: str = Field(max_length=64, description="8-64 characters, at least one letter and one digit")
    name: str = Field(default="", max_length=100)

    _email = field_validator("email")(check_email)
    _password = field_validator("password")(check_new_password)


class CredentialResp(BaseModel):
    """What password login, registration and OAuth authorize return."""

    access_token: str
    expire_at: int = Field(description="UNIX seconds when the access token expires")


def unix_seconds(value) -> int:
    """datetime → UNIX seconds (0 for None), the console's timestamp convention."""
    if value is None:
        return 0
    if value.tzinfo is None:  # SQLite does not keep the zone; we always store UTC
        value = value.replace(tzinfo=UTC)
    return int(value.timestamp())

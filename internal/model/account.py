from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, Timestamps, UUIDPrimaryKey


class Account(UUIDPrimaryKey, Timestamps, Base):
    __tablename__ = "account"

    name: Mapped[str] = mapped_column(String(255), nullable=False, default="")
    email: Mapped[str] = mapped_column(String(255), nullable=False, unique=True)
    avatar: Mapped[str] = mapped_column(String(500), nullable=False, default="")
    # argon2id hash; NULL for accounts that only sign in through OAuth.
    password_hash: Mapped[str | None] = mapped_column(String(255), nullable=True)
    last_login_at: Mapped[datetime | None] = mapped_column(nullable=True)
    last_login_ip: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    # JWTs issued before this instant are refused (set when the password changes).
    tokens_valid_after: Mapped[datetime | None] = mapped_column(nullable=True)
    # ...except this one: the token that changed the password stays signed in (issue 13).
    tokens_kept_jti: Mapped[str | None] = mapped_column(String(64), nullable=True)

    # Flask-Login protocol, without importing flask here.
    is_active = True
    is_authenticated = True
    is_anonymous = False

    def get_id(self) -> str:
        return str(self.id)

    @property
    def is_password_set(self) -> bool:
        return bool(self.password_hash)

    @property
    def tokens_not_before_ms(self) -> int:
        """UNIX milliseconds; JWTs issued earlier are refused (0: no limit)."""
        value = self.tokens_valid_after
        if value is None:
            return 0
        if value.tzinfo is None:  # SQLite does not keep the zone; we always store UTC
            value = value.replace(tzinfo=UTC)
        return int(value.timestamp() * 1000)

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, OwnedByAccount, Timestamps, UUIDPrimaryKey


class ApiKey(UUIDPrimaryKey, Timestamps, OwnedByAccount, Base):
    """The key itself is never stored: only its sha256 and a display prefix/suffix."""

    __tablename__ = "api_key"

    key_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    masked_key: Mapped[str] = mapped_column(String(64), nullable=False)
    is_active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    remark: Mapped[str] = mapped_column(String(255), nullable=False, default="")
    last_used_at: Mapped[datetime | None] = mapped_column(nullable=True)

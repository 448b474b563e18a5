"""Per-account credentials of builtin tool providers (e.g. the weather API key), encrypted."""
from __future__ import annotations

from sqlalchemy import String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, OwnedByAccount, Timestamps, UUIDPrimaryKey


class BuiltinToolCredential(UUIDPrimaryKey, Timestamps, OwnedByAccount, Base):
    """`encrypted_config` is a Fernet token of the JSON field dict; `masked_config` is what the
    console may see (secrets masked)."""

    __tablename__ = "builtin_tool_credential"
    __table_args__ = (UniqueConstraint("account_id", "provider", name="uq_builtin_tool_credential_account_provider"),)

    provider: Mapped[str] = mapped_column(String(64), nullable=False)
    encrypted_config: Mapped[str] = mapped_column(Text, nullable=False)
    masked_config: Mapped[str] = mapped_column(Text, nullable=False, default="{}")

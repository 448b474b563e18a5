"""Language-model tables: per-account provider credentials (encrypted) and usage records."""
from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Boolean, Float, Index, Integer, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, OwnedByAccount, Timestamps, UUIDPrimaryKey, utcnow


class ProviderCredential(UUIDPrimaryKey, Timestamps, OwnedByAccount, Base):
    """An account's credentials for one provider. `encrypted_config` is a Fernet token of the
    JSON credential dict; `masked_config` is what the console may show (secrets masked)."""

    __tablename__ = "provider_credential"
    __table_args__ = (UniqueConstraint("account_id", "provider", name="uq_provider_credential_account_provider"),)

    provider: Mapped[str] = mapped_column(String(64), nullable=False)
    encrypted_config: Mapped[str] = mapped_column(Text, nullable=False)
    masked_config: Mapped[str] = mapped_column(Text, nullable=False, default="{}")
    is_valid: Mapped[bool | None] = mapped_column(Boolean, nullable=True)  # result of the last test
    last_tested_at: Mapped[datetime | None] = mapped_column(nullable=True)


class ModelUsage(UUIDPrimaryKey, Base):
    """One request through the model layer. Written in batches off the request path."""

    __tablename__ = "model_usage"
    __table_args__ = (
        Index("ix_model_usage_account_created", "account_id", "created_at"),
        Index("ix_model_usage_key_created", "api_key_id", "created_at"),
    )

    # no FK on purpose: usage rows outlive deleted keys and are written by a batch writer
    account_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    api_key_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    model: Mapped[str] = mapped_column(String(255), nullable=False)
    endpoint: Mapped[str] = mapped_column(String(32), nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    provider: Mapped[str | None] = mapped_column(String(64), nullable=True)
    deployment_id: Mapped[str | None] = mapped_column(String(255), nullable=True)
    upstream_model: Mapped[str | None] = mapped_column(String(255), nullable=True)
    stream: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    prompt_tokens: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    completion_tokens: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    total_tokens: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    estimated: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    cost: Mapped[float] = mapped_column(Float, nullable=False, default=0.0)
    currency: Mapped[str] = mapped_column(String(8), nullable=False, default="USD")
    latency_ms: Mapped[float] = mapped_column(Float, nullable=False, default=0.0)
    ttft_ms: Mapped[float | None] = mapped_column(Float, nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    error_code: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[datetime] = mapped_column(nullable=False, default=utcnow)

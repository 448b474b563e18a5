"""Custom API tool providers (one pasted OpenAPI document each) and their tools (one per operation).

Headers and auth are secrets: stored as Fernet tokens (`encrypted_headers`, `encrypted_auth`);
the console only ever receives masked values. `operation` is the parsed operation spec (JSON),
so calling a tool never re-parses the document."""
from __future__ import annotations

import uuid

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, OwnedByAccount, Timestamps, UUIDPrimaryKey


class ApiToolProvider(UUIDPrimaryKey, Timestamps, OwnedByAccount, Base):
    __tablename__ = "api_tool_provider"
    __table_args__ = (UniqueConstraint("account_id", "name", name="uq_api_tool_provider_account_id_name"),)

    name: Mapped[str] = mapped_column(String(60), nullable=False)
    icon: Mapped[str] = mapped_column(String(512), nullable=False, default="")
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")
    openapi_schema: Mapped[str] = mapped_column(Text, nullable=False)  # the text as the user pasted it
    dialect: Mapped[str] = mapped_column(String(16), nullable=False)
    server_url: Mapped[str] = mapped_column(String(2048), nullable=False, default="")
    encrypted_headers: Mapped[str] = mapped_column(Text, nullable=False, default="")
    auth_type: Mapped[str] = mapped_column(String(16), nullable=False, default="none")
    encrypted_auth: Mapped[str] = mapped_column(Text, nullable=False, default="")


class ApiTool(UUIDPrimaryKey, Timestamps, OwnedByAccount, Base):
    __tablename__ = "api_tool"
    __table_args__ = (UniqueConstraint("provider_id", "name", name="uq_api_tool_provider_id_name"),)

    provider_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("api_tool_provider.id", ondelete="CASCADE"), nullable=False, index=True)
    name: Mapped[str] = mapped_column(String(64), nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")
    operation: Mapped[dict] = mapped_column(JSON, nullable=False)

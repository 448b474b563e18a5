"""MCP servers an account connected (issue 10 §4): URL, encrypted headers, the transport that
worked and the last tool list (refreshed on demand), so listing tools never needs the server."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, OwnedByAccount, Timestamps, UUIDPrimaryKey


class McpServer(UUIDPrimaryKey, Timestamps, OwnedByAccount, Base):
    __tablename__ = "mcp_server"
    __table_args__ = (UniqueConstraint("account_id", "name", name="uq_mcp_server_account_id_name"),)

    name: Mapped[str] = mapped_column(String(60), nullable=False)
    icon: Mapped[str] = mapped_column(String(512), nullable=False, default="")
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")
    url: Mapped[str] = mapped_column(String(2048), nullable=False)
    encrypted_headers: Mapped[str] = mapped_column(Text, nullable=False, default="")  # Fernet token of a JSON list
    transport: Mapped[str] = mapped_column(String(16), nullable=False)               # streamable_http | sse
    server_name: Mapped[str] = mapped_column(String(255), nullable=False, default="")
    tools: Mapped[list] = mapped_column(JSON, nullable=False, default=list)          # [{name, description, input_schema}]
    refreshed_at: Mapped[datetime] = mapped_column(nullable=False)

"""Knowledge base: datasets, process rules, documents, segments, query log.

Counts shown in lists (document_count, hit_count, character_count...) are computed by the
services with grouped aggregate queries, never by per-row properties (no N+1)."""
from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, OwnedByAccount, Timestamps, UUIDPrimaryKey


class Dataset(UUIDPrimaryKey, Timestamps, OwnedByAccount, Base):
    __tablename__ = "dataset"
    __table_args__ = (UniqueConstraint("account_id", "name", name="uq_dataset_account_id_name"),)

    name: Mapped[str] = mapped_column(String(100), nullable=False)
    icon: Mapped[str] = mapped_column(String(512), nullable=False, default="")
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")
    # the vector space of the dataset; changing it re-embeds the dataset's segments
    # (knowledge.reembed_dataset): `embedding_status` is "reindexing" until that task is done,
    # and `embedding_generation` (bumped by every change) fences a stale task's writes
    embedding_model: Mapped[str] = mapped_column(String(255), nullable=False)
    embedding_status: Mapped[str] = mapped_column(String(32), nullable=False, default="ready", server_default="ready")
    embedding_generation: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")


class ProcessRule(UUIDPrimaryKey, Timestamps, OwnedByAccount, Base):
    __tablename__ = "process_rule"

    dataset_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("dataset.id", ondelete="CASCADE"), nullable=False, index=True)
    mode: Mapped[str] = mapped_column(String(32), nullable=False, default="automatic")
    rule: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)


class Document(UUIDPrimaryKey, Timestamps, OwnedByAccount, Base):
    __tablename__ = "document"
    __table_args__ = (
        Index("ix_document_dataset_id_position", "dataset_id", "position"),
        Index("ix_document_status_lease", "status", "lease_expires_at"),
    )

    dataset_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("dataset.id", ondelete="CASCADE"), nullable=False, index=True)
    upload_file_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("upload_file.id", ondelete="SET NULL"), nullable=True)
    process_rule_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("process_rule.id", ondelete="CASCADE"), nullable=False)
    batch: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    character_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    token_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    enabled: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    disabled_at: Mapped[datetime | None] = mapped_column(nullable=True)
    status: Mapped[str] = mapped_column(String(32), nullable=False, default="waiting", index=True)
    error: Mapped[str] = mapped_column(Text, nullable=False, default="")
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    lease_expires_at: Mapped[datetime | None] = mapped_column(nullable=True)
    processing_started_at: Mapped[datetime | None] = mapped_column(nullable=True)
    parsing_completed_at: Mapped[datetime | None] = mapped_column(nullable=True)
    splitting_completed_at: Mapped[datetime | None] = mapped_column(nullable=True)
    indexing_completed_at: Mapped[datetime | None] = mapped_column(nullable=True)
    completed_at: Mapped[datetime | None] = mapped_column(nullable=True)
    stopped_at: Mapped[datetime | None] = mapped_column(nullable=True)


class Segment(UUIDPrimaryKey, Timestamps, OwnedByAccount, Base):
    __tablename__ = "segment"
    __table_args__ = (Index("ix_segment_document_id_position", "document_id", "position"),)

    dataset_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("dataset.id", ondelete="CASCADE"), nullable=False, index=True)
    document_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("document.id", ondelete="CASCADE"), nullable=False)
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    content: Mapped[str] = mapped_column(Text, nullable=False, default="")
    character_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    token_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    keywords: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    hash: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    hit_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    enabled: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    disabled_at: Mapped[datetime | None] = mapped_column(nullable=True)
    status: Mapped[str] = mapped_column(String(32), nullable=False, default="waiting")
    error: Mapped[str] = mapped_column(Text, nullable=False, default="")
    indexing_completed_at: Mapped[datetime | None] = mapped_column(nullable=True)
    completed_at: Mapped[datetime | None] = mapped_column(nullable=True)


class DatasetQuery(UUIDPrimaryKey, Timestamps, OwnedByAccount, Base):
    __tablename__ = "dataset_query"
    __table_args__ = (Index("ix_dataset_query_dataset_id_created_at", "dataset_id", "created_at"),)

    dataset_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("dataset.id", ondelete="CASCADE"), nullable=False)
    query: Mapped[str] = mapped_column(Text, nullable=False)
    source: Mapped[str] = mapped_column(String(32), nullable=False, default="hit_testing")
    source_app_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)

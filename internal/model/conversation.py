"""Conversations, messages and the agent's recorded steps.

`created_by` is the account (debugger, web app, assistant agent) or the end user (service
API) who talks; the app's owner is reached through `app_id`. Conversations and messages are
deleted softly (`is_deleted`): a user clearing a chat must not rewrite the app's usage and
cost figures (analysis counts every message)."""
from __future__ import annotations

import uuid

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, Timestamps, UUIDPrimaryKey


class Conversation(UUIDPrimaryKey, Timestamps, Base):
    __tablename__ = "conversation"
    __table_args__ = (Index("ix_conversation_created_by_invoke_from_app_id", "created_by", "invoke_from", "app_id"),)

    # None for the assistant agent's conversations (the home page's helper belongs to no app)
    app_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("app.id", ondelete="CASCADE"), nullable=True,
                                                     index=True)
    name: Mapped[str] = mapped_column(String(255), nullable=False, default="New Conversation")
    summary: Mapped[str] = mapped_column(Text, nullable=False, default="")
    is_pinned: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    is_deleted: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    invoke_from: Mapped[str] = mapped_column(String(32), nullable=False)
    created_by: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)


class Message(UUIDPrimaryKey, Timestamps, Base):
    __tablename__ = "message"
    __table_args__ = (
        Index("ix_message_conversation_id_created_at", "conversation_id", "created_at"),
        Index("ix_message_app_id_created_at", "app_id", "created_at"),
    )

    app_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("app.id", ondelete="CASCADE"), nullable=True)
    conversation_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("conversation.id", ondelete="CASCADE"),
                                                       nullable=False)
    invoke_from: Mapped[str] = mapped_column(String(32), nullable=False)
    created_by: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    task_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True, index=True)
    query: Mapped[str] = mapped_column(Text, nullable=False, default="")
    image_urls: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    answer: Mapped[str] = mapped_column(Text, nullable=False, default="")
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="running")
    error: Mapped[str] = mapped_column(Text, nullable=False, default="")
    message_token_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    answer_token_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    total_token_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    price: Mapped[float] = mapped_column(Float, nullable=False, default=0.0)  # USD, every model call of the turn
    latency: Mapped[float] = mapped_column(Float, nullable=False, default=0.0)  # seconds
    is_deleted: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)


class MessageAgentThought(UUIDPrimaryKey, Timestamps, Base):
    __tablename__ = "message_agent_thought"
    __table_args__ = (Index("ix_message_agent_thought_message_id_position", "message_id", "position"),)

    app_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("app.id", ondelete="CASCADE"), nullable=True)
    conversation_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("conversation.id", ondelete="CASCADE"),
                                                       nullable=False)
    message_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("message.id", ondelete="CASCADE"), nullable=False)
    invoke_from: Mapped[str] = mapped_column(String(32), nullable=False)
    created_by: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    event: Mapped[str] = mapped_column(String(64), nullable=False)
    thought: Mapped[str] = mapped_column(Text, nullable=False, default="")
    observation: Mapped[str] = mapped_column(Text, nullable=False, default="")
    tool: Mapped[str] = mapped_column(String(255), nullable=False, default="")
    tool_input: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    message_token_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    answer_token_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    total_token_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    price: Mapped[float] = mapped_column(Float, nullable=False, default=0.0)
    latency: Mapped[float] = mapped_column(Float, nullable=False, default=0.0)

"""End users: the people an app's owner serves through the service API (/openapi/chat)."""
from __future__ import annotations

import uuid

from sqlalchemy import ForeignKey, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, OwnedByAccount, Timestamps, UUIDPrimaryKey


class EndUser(UUIDPrimaryKey, Timestamps, OwnedByAccount, Base):
    __tablename__ = "end_user"

    app_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("app.id", ondelete="CASCADE"), nullable=False, index=True)

from __future__ import annotations

from datetime import datetime

from sqlalchemy import LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, utcnow


class EmbeddingCacheEntry(Base):
    """Content-hash embedding cache (EMBEDDING_CACHE=database). Not tenant data: the key is
    sha256(model_id + text), so it reveals nothing and is shared by every dataset."""

    __tablename__ = "embedding_cache"

    hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    vector: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, nullable=False)

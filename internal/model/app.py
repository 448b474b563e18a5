"""Apps and their versioned configurations.

An app has ONE draft configuration (an `app_config_version` row, config_type draft, version 0)
and any number of published versions (config_type published, version 1, 2, ...: the publish
history). `App.published_config_id` names the version that is live; publishing copies the
draft into a new version, cancelling clears the pointer, rolling back copies a version into
the draft. Pointers back into child tables carry no foreign key on purpose (the rows form a
cycle with `app`); the service keeps them consistent inside one transaction."""
from __future__ import annotations

import uuid

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, OwnedByAccount, Timestamps, UUIDPrimaryKey


class App(UUIDPrimaryKey, Timestamps, OwnedByAccount, Base):
    __tablename__ = "app"

    name: Mapped[str] = mapped_column(String(255), nullable=False)
    icon: Mapped[str] = mapped_column(String(512), nullable=False, default="")
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="draft")
    published_config_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    debug_conversation_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    # the web app's share token; set while the app is published
    token: Mapped[str | None] = mapped_column(String(64), nullable=True, unique=True)


class AppConfigVersion(UUIDPrimaryKey, Timestamps, OwnedByAccount, Base):
    __tablename__ = "app_config_version"
    __table_args__ = (
        # also the index of the draft lookup and the history listing
        UniqueConstraint("app_id", "config_type", "version", name="uq_app_config_version_app_id_type_version"),
    )

    app_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("app.id", ondelete="CASCADE"), nullable=False)
    config_type: Mapped[str] = mapped_column(String(16), nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    # internal/entity/app_entity.AppConfig.dump(): course key names
    config: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)

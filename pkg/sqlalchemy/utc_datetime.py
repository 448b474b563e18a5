"""One timestamp column type for every backend: stores UTC, always returns aware UTC datetimes.

PostgreSQL keeps the zone (timestamptz); SQLite stores text without one and hands back naive
datetimes, which break every comparison with an aware `datetime.now(UTC)`. Naive values
written by us are UTC by convention, so a naive value read back is tagged as UTC.
"""
from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import DateTime
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator):
    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None or not isinstance(value, datetime):
            return value
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)

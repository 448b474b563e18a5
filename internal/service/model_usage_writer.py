"""Writes usage records in batches, from the usage sink's background thread.

It writes from its own process-local engine (pkg.sqlalchemy.batch_write: no Flask app context,
never the request's session, never on a request thread) and each batch in one statement: COPY on
PostgreSQL, a multi-row INSERT elsewhere. In batches of 200, COPY took ~13 µs a row end to end
(6.6 µs of it Python), the INSERT ... SELECT from one JSON array it replaced ~33 µs (4.7 µs
Python): the database's share fell about five-fold.

One bad row never costs the batch (issue 9, F2: `write_isolating`); a database that is down
still fails the whole batch at once.
"""
from __future__ import annotations

import logging
import random
import uuid
from dataclasses import dataclass
from typing import Any

import psycopg
from injector import inject
from sqlalchemy import exc, insert
from sqlalchemy.engine import Engine

from config import Config
from internal.core.language_model.usage import UsageRecord
from internal.model.language_model import ModelUsage
from pkg.sqlalchemy.batch_write import ProcessLocalEngine, write_isolating

log = logging.getLogger(__name__)
_OUTAGE = (exc.OperationalError, psycopg.OperationalError)  # the database, not the rows

def _uuid(value: str | None) -> uuid.UUID | None:
    if not value:
        return None
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except ValueError:
        return None


def _log_drop(_row: tuple[Any, ...], error: Exception) -> None:
    log.error("usage writer: dropped one usage record the database refused (%s)", type(error).__name__)


@inject
@dataclass
class ModelUsageWriter:
    conf: Config

    def __post_init__(self) -> None:
        self._engine = ProcessLocalEngine(self.conf.SQLALCHEMY_DATABASE_URI)

    # Columns in row order (COPY's column list on PostgreSQL, the INSERT's keys elsewhere).
    _COLUMNS = ("id", "account_id", "api_key_id", "model", "endpoint", "status", "provider", "deployment_id",
                "upstream_model", "stream", "prompt_tokens", "completion_tokens", "total_tokens", "estimated",
                "cost", "currency", "latency_ms", "ttft_ms", "attempts", "error_code", "created_at")

    @staticmethod
    def to_row(r: UsageRecord, uuids: dict[Any, uuid.UUID | None]) -> tuple[Any, ...]:
        """One record in `_COLUMNS` order (`uuids` memoises validation: a batch mostly repeats a
        few keys and accounts). The row id is random but not from os.urandom, a syscall per row;
        Python reseeds `random` in every forked process."""
        for v in (r.account_id, r.api_key_id):
            if v not in uuids:
                uuids[v] = _uuid(v)
        return (uuid.UUID(int=random.getrandbits(128), version=4), uuids[r.account_id], uuids[r.api_key_id],
                r.model[:255], r.endpoint, r.status, r.provider, (r.deployment_id or None) and r.deployment_id[:255],
                (r.upstream_model or None) and r.upstream_model[:255], r.stream, r.prompt_tokens,
                r.completion_tokens, r.total_tokens, r.estimated, r.cost, r.currency, r.latency_ms, r.ttft_ms,
                r.attempts, (r.error_code or None) and r.error_code[:64], r.created_at)

    def write(self, records: list[UsageRecord]) -> None:
        if not records:
            return
        uuids: dict[Any, uuid.UUID | None] = {}
        rows = []
        for r in records:
            try:
                rows.append(self.to_row(r, uuids))
            except Exception:  # noqa: BLE001 - a malformed record must not cost the others
                log.exception("usage writer: dropped one malformed usage record (model field type %s)",
                              type(getattr(r, "model", None)).__name__)
        engine = self._engine.get()
        write_isolating(rows, lambda batch: self._write_rows(engine, batch), outage=_OUTAGE, on_drop=_log_drop)

    def _write_rows(self, engine: Engine, rows: list[tuple[Any, ...]]) -> None:
        """All rows in one statement and one transaction (all or nothing)."""
        with engine.begin() as conn:
            if engine.dialect.name == "postgresql" and engine.dialect.driver == "psycopg":
                columns = ", ".join(self._COLUMNS)
                with conn.connection.driver_connection.cursor() as cursor, \
                        cursor.copy(f"COPY {ModelUsage.__tablename__} ({columns}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                conn.execute(insert(ModelUsage.__table__), [dict(zip(self._COLUMNS, row, strict=True)) for row in rows])

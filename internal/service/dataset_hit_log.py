"""The query log (`dataset_query`) and segment hit counts, written off the request path.

A retrieval emits one `HitRecord` (a deque append); the process's `DatasetHitLog` thread
writes what accumulated every `KB_HIT_LOG_FLUSH_SECONDS` in one transaction: one multi-row
INSERT of the query rows and one `hit_count = hit_count + n` UPDATE per distinct n (the ids in
sorted order, so two processes' batches never lock the same rows in opposite orders). Before,
every hit test committed its own insert and update and reloaded the segments the commit had
expired, on the request.

Reads that show hit counts or the query log call `flush()` first, so a process always reads its
own hits; another process's hits show up within one flush interval. Pending records are written
at exit (atexit; Celery's prefork children through `pkg.buffered_writer.close_all`). A record
the database refuses (its dataset deleted meanwhile) is dropped alone, not with its batch.
"""
from __future__ import annotations

import collections
import logging
import uuid
from dataclasses import dataclass
from datetime import datetime

import psycopg
from injector import inject
from sqlalchemy import bindparam, exc, insert, update

from config import Config
from internal.model.dataset import DatasetQuery, Segment
from pkg.buffered_writer import BufferedWriter
from pkg.sqlalchemy.batch_write import ProcessLocalEngine, write_isolating

log = logging.getLogger(__name__)
_OUTAGE = (exc.OperationalError, psycopg.OperationalError)  # the database, not the rows
# as the app's own connections (internal/extension/database_extension.py)
_SQLITE_PRAGMAS = ("foreign_keys=ON", "journal_mode=WAL", "busy_timeout=30000", "synchronous=NORMAL")


@dataclass(frozen=True)
class HitRecord:
    """One retrieval: a query-log row per dataset, +1 hit for each returned segment."""

    account_id: uuid.UUID
    dataset_ids: tuple[uuid.UUID, ...]
    query: str
    source: str
    source_app_id: uuid.UUID | None
    segment_ids: tuple[uuid.UUID, ...]
    created_at: datetime


class DatasetHitLog(BufferedWriter[HitRecord]):
    """The process's buffer of hit records (bound once per injector, see KnowledgeModule)."""


def _log_drop(record: HitRecord, error: Exception) -> None:
    log.warning("hit log: dropped the record of one retrieval the database refused (%s)", type(error).__name__)


@inject
@dataclass
class DatasetHitWriter:
    conf: Config

    def __post_init__(self) -> None:
        self._engine = ProcessLocalEngine(self.conf.SQLALCHEMY_DATABASE_URI, sqlite_pragmas=_SQLITE_PRAGMAS)

    def write(self, records: list[HitRecord]) -> None:
        write_isolating(records, self._write_batch, outage=_OUTAGE, on_drop=_log_drop)

    def _write_batch(self, records: list[HitRecord]) -> None:
        rows = [{"id": uuid.uuid4(), "account_id": r.account_id, "dataset_id": d, "query": r.query, "source": r.source,
                 "source_app_id": r.source_app_id, "created_at": r.created_at, "updated_at": r.created_at}
                for r in records for d in r.dataset_ids]
        hits = collections.Counter(s for r in records for s in r.segment_ids)
        by_count: dict[int, list[uuid.UUID]] = collections.defaultdict(list)
        for segment_id in sorted(hits):
            by_count[hits[segment_id]].append(segment_id)
        with self._engine.get().begin() as conn:
            if rows:
                conn.execute(insert(DatasetQuery.__table__), rows)
            for n, ids in sorted(by_count.items()):
                conn.execute(update(Segment.__table__).where(Segment.__table__.c.id.in_(bindparam("ids", expanding=True)))
                             .values(hit_count=Segment.__table__.c.hit_count + n), {"ids": ids})

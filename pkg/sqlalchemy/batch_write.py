"""What the background batch writers (model usage, the knowledge-base query log) share.

`ProcessLocalEngine`: a tiny engine of the writer's own (pool of 1), created lazily in the
process that writes, so a gunicorn or Celery fork never shares a connection; it needs neither a
Flask app context nor a request's session.

`write_isolating`: one bad row never costs the batch (issue 9, F2). When the database refuses a
batch for its data, the batch is halved and each half retried, down to the single row that is
then dropped (and reported), so the rest is written. A database that is down (`outage`) still
fails the whole batch at once: retrying row by row would only multiply the timeouts.
"""
from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine

T = TypeVar("T")


class ProcessLocalEngine:
    def __init__(self, url: str, sqlite_pragmas: Sequence[str] = ()) -> None:
        """`sqlite_pragmas` (e.g. "foreign_keys=ON") are set on every new SQLite connection."""
        self.url = url
        self.sqlite_pragmas = tuple(sqlite_pragmas)
        self._engine: Engine | None = None
        self._pid: int | None = None
        self._lock = threading.Lock()

    def get(self) -> Engine:
        if self._engine is None or self._pid != os.getpid():
            with self._lock:
                if self._engine is None or self._pid != os.getpid():
                    self._engine = self._create()
                    self._pid = os.getpid()
        return self._engine

    def _create(self) -> Engine:
        if not self.url.startswith("sqlite"):
            return create_engine(self.url, pool_size=1, max_overflow=1, pool_pre_ping=True)
        engine = create_engine(self.url, connect_args={"timeout": 30, "check_same_thread": False})
        if self.sqlite_pragmas:
            @event.listens_for(engine, "connect")
            def _pragmas(dbapi_connection, _record):
                cursor = dbapi_connection.cursor()
                for pragma in self.sqlite_pragmas:
                    cursor.execute(f"PRAGMA {pragma}")
                cursor.close()
        return engine


def write_isolating(rows: list[T], write: Callable[[list[T]], Any], *, outage: tuple[type[BaseException], ...],
                    on_drop: Callable[[T, Exception], None]) -> None:
    """`write(rows)` (all or nothing); on a refusal that is not an `outage`, bisect down to the
    refused rows and `on_drop` each of them."""
    if not rows:
        return
    try:
        write(rows)
    except outage:
        raise
    except Exception as error:  # noqa: BLE001 - the database refused some row of this batch
        if len(rows) == 1:
            on_drop(rows[0], error)
            return
        middle = len(rows) // 2
        write_isolating(rows[:middle], write, outage=outage, on_drop=on_drop)
        write_isolating(rows[middle:], write, outage=outage, on_drop=on_drop)

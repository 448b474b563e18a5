"""Writes usage records in batches, from the usage sink's background thread.

It owns a tiny engine of its own (pool of 1, created lazily in the process that writes, so a
gunicorn fork never shares a connection) and writes each batch in one statement: COPY on
PostgreSQL/psycopg2 (the batch thread shares the GIL with the request threads, and a COPY of
pre-rendered text costs a fraction of SQLAlchemy's multi-row INSERT rendering: ~20 % of a
gateway worker's GIL time under load went to that INSERT), a multi-row INSERT elsewhere. It needs
neither a Flask app context nor the request's session, and it never runs on a request thread.
"""
from __future__ import annotations

import io
import os
import threading
import uuid
from dataclasses import dataclass
from typing import Any

from injector import inject
from sqlalchemy import create_engine, insert
from sqlalchemy.engine import Engine

from config import Config
from internal.core.language_model.usage import UsageRecord
from internal.model.language_model import ModelUsage


def _copy_text(value: Any) -> str:
    """One field in PostgreSQL's COPY text format."""
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    text = str(value)
    if isinstance(value, str) and ("\\" in text or "\t" in text or "\n" in text or "\r" in text):
        text = text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return text


def _uuid(value: str | None) -> uuid.UUID | None:
    if not value:
        return None
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except ValueError:
        return None


@inject
@dataclass
class ModelUsageWriter:
    conf: Config

    def __post_init__(self) -> None:
        self._engine: Engine | None = None
        self._pid: int | None = None
        self._lock = threading.Lock()

    def _get_engine(self) -> Engine:
        if self._engine is None or self._pid != os.getpid():
            with self._lock:
                if self._engine is None or self._pid != os.getpid():
                    url = self.conf.SQLALCHEMY_DATABASE_URI
                    kwargs: dict[str, Any] = {"pool_size": 1, "max_overflow": 1, "pool_pre_ping": True}
                    if url.startswith("sqlite"):
                        kwargs = {"connect_args": {"timeout": 30, "check_same_thread": False}}
                    self._engine = create_engine(url, **kwargs)
                    self._pid = os.getpid()
        return self._engine

    @staticmethod
    def to_row(r: UsageRecord) -> dict[str, Any]:
        return {
            "id": uuid.uuid4(), "account_id": _uuid(r.account_id), "api_key_id": _uuid(r.api_key_id),
            "model": r.model[:255], "endpoint": r.endpoint, "status": r.status, "provider": r.provider,
            "deployment_id": (r.deployment_id or None) and r.deployment_id[:255],
            "upstream_model": (r.upstream_model or None) and r.upstream_model[:255], "stream": r.stream,
            "prompt_tokens": r.prompt_tokens, "completion_tokens": r.completion_tokens,
            "total_tokens": r.total_tokens, "estimated": r.estimated, "cost": r.cost, "currency": r.currency,
            "latency_ms": r.latency_ms, "ttft_ms": r.ttft_ms, "attempts": r.attempts,
            "error_code": (r.error_code or None) and r.error_code[:64], "created_at": r.created_at,
        }

    def write(self, records: list[UsageRecord]) -> None:
        if not records:
            return
        rows = [self.to_row(r) for r in records]
        engine = self._get_engine()
        with engine.begin() as conn:
            if engine.dialect.name == "postgresql" and engine.dialect.driver == "psycopg2":
                columns = list(rows[0])
                data = io.StringIO("".join("\t".join([_copy_text(row[c]) for c in columns]) + "\n" for row in rows))
                sql = f"COPY {ModelUsage.__tablename__} ({', '.join(columns)}) FROM STDIN"
                with conn.connection.driver_connection.cursor() as cursor:
                    cursor.copy_expert(sql, data)
            else:
                conn.execute(insert(ModelUsage.__table__), rows)

"""Pessimistic disconnect handling that pings only connections that sat idle.

`pool_pre_ping` sends `SELECT 1` at EVERY checkout: one more database round trip per session,
which under load was as much as the request's own query (a chat stream checks out three
times). A connection returned a moment ago is as good as the statement it just ran; one that
sat in the pool for `idle_seconds` may have been cut (server restart, idle timeout, failover)
and is pinged. A failed ping raises DisconnectionError: the pool drops that connection and
retries the checkout with a fresh one, so the caller never sees it.
"""
from __future__ import annotations

import time

from sqlalchemy import event, exc
from sqlalchemy.engine import Engine

_RETURNED_AT = "llmops_returned_at"


def ping_when_idle(engine: Engine, idle_seconds: float) -> None:
    @event.listens_for(engine, "connect")
    def _opened(dbapi_connection, record) -> None:  # a new connection needs no ping
        record.info[_RETURNED_AT] = time.monotonic()

    @event.listens_for(engine, "checkin")
    def _returned(dbapi_connection, record) -> None:
        if record is not None:
            record.info[_RETURNED_AT] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi_connection, record, proxy) -> None:
        returned = record.info.get(_RETURNED_AT)
        if returned is not None and time.monotonic() - returned < idle_seconds:
            return
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("SELECT 1")
            cursor.fetchall()
        except Exception as error:  # noqa: BLE001 - any failure: this connection is unusable
            raise exc.DisconnectionError() from error
        finally:
            try:
                cursor.close()
            except Exception:  # noqa: BLE001,S110 - a dead connection may refuse even this
                pass

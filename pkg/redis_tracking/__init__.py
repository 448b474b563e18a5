"""Read a few Redis keys through server-assisted client-side caching (CLIENT TRACKING, RESP3).

`TrackedKeys(url).get(key)` answers from process memory while Redis has not told this
process that the key changed; the first read of a key (and the first read after a change)
is one GET. It is meant for small, hot, rarely written keys (e.g. an invalidation epoch)
whose every change must be seen on the very next read.

Why it is consistent: the reader holds ONE dedicated RESP3 connection with
`CLIENT TRACKING ON` (default mode: Redis remembers the keys this connection read). When any
client modifies such a key, Redis queues an `invalidate` push on this connection while
executing the write, and writes it to the socket in the same event-loop iteration as the
writer's reply (possibly a few microseconds after it). Every `get()` first drains the socket
(a non-blocking poll, no round trip) and drops invalidated values. So a writer that needs "the
next request anywhere sees it" follows its write with one more round trip on any connection
(e.g. PING): that reply is produced in a later iteration, after the push has left Redis (on one
host it is then already readable in every reader's socket; across hosts it trails by at most
the network latency), and any read starting after that sees the new value. A FLUSHDB/FLUSHALL
(push with a null key list) drops everything. Losing the connection drops everything too
(invalidations may have been missed): the read reconnects, re-enables tracking and GETs (one
retry, then the error is raised). As a bound for failures that no socket event reveals (a
silent network partition), a value is also re-read after `max_age` seconds.

redis-py's own client-side cache (`CacheConfig`) needs Redis >= 7.4; this works with
Redis >= 6. The shared application client stays on RESP2: only this private connection
speaks RESP3.
"""
from __future__ import annotations

import os
import select
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any

import redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError


class KeyReader(ABC):
    """Reads string keys; `TrackedKeys` caches them with server-assisted invalidation."""

    @abstractmethod
    def get(self, key: str) -> str | None: ...


class UntrackedKeys(KeyReader):
    """One GET per read on a given client (e.g. the in-process fakeredis of the embedded default)."""

    def __init__(self, client: Any) -> None:
        self.client = client

    def get(self, key: str) -> str | None:
        return self.client.get(key)


class TrackedKeys(KeyReader):
    def __init__(self, url: str, *, max_age: float = 5.0, socket_timeout: float = 5.0,
                 client_name: str = "tracked-keys", clock: Callable[[], float] = time.monotonic) -> None:
        self._pool_kwargs = {"protocol": 3, "decode_responses": True, "socket_timeout": socket_timeout,
                             "socket_connect_timeout": socket_timeout, "client_name": client_name}
        self._url = url
        self._max_age = max_age
        self._clock = clock
        self._lock = threading.Lock()
        self._values: dict[str, tuple[Any, float]] = {}
        self._conn: Any = None
        self._pid = os.getpid()
        self.round_trips = 0  # GETs sent (for tests and diagnostics)

    def get(self, key: str) -> str | None:
        with self._lock:
            try:
                return self._get(key)
            except (RedisConnectionError, RedisTimeoutError, OSError):
                # The connection broke (Redis restart, idle kill...): invalidations may have been
                # lost, so nothing cached survives; retry once on a fresh connection.
                self._drop_connection()
            try:
                return self._get(key)
            except (RedisConnectionError, RedisTimeoutError, OSError):
                self._drop_connection()
                raise

    def close(self) -> None:
        with self._lock:
            self._drop_connection()

    # -- internals (called with self._lock held) --------------------------------------------

    def _get(self, key: str) -> str | None:
        conn = self._connection()
        # Drain pending invalidation pushes (handled by _on_invalidate) without blocking.
        while _pending(conn):
            conn.read_response(push_request=True)
        now = self._clock()
        hit = self._values.get(key)
        if hit is not None and now - hit[1] < self._max_age:
            return hit[0]
        self._values.pop(key, None)
        conn.send_command("GET", key)
        self.round_trips += 1
        # A push for an earlier write is delivered (and handled) before this reply, and the GET
        # re-registers the key for tracking: the value read is current from here on.
        value = conn.read_response()
        self._values[key] = (value, now)
        return value

    def _connection(self) -> Any:
        if self._pid != os.getpid():  # forked: never share the parent's socket or its values
            self._conn, self._values, self._pid = None, {}, os.getpid()
        if self._conn is None:
            pool = redis.ConnectionPool.from_url(self._url, **self._pool_kwargs)
            conn = pool.make_connection()
            conn.connect()
            conn._parser.set_invalidation_push_handler(self._on_invalidate)
            conn.send_command("CLIENT", "TRACKING", "ON")
            reply = conn.read_response()
            if reply not in ("OK", b"OK"):
                conn.disconnect()
                raise RedisConnectionError(f"CLIENT TRACKING ON failed: {reply!r}")
            self._values = {}
            self._conn = conn
        return self._conn

    def _on_invalidate(self, push: list) -> None:
        keys = push[1] if len(push) > 1 else None
        if keys is None:  # FLUSHDB / FLUSHALL
            self._values.clear()
            return
        for key in keys:
            self._values.pop(key.decode() if isinstance(key, bytes) else key, None)

    def _drop_connection(self) -> None:
        self._values = {}
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.disconnect()
            except Exception:  # noqa: BLE001 - already broken
                pass


def _pending(conn: Any) -> bool:
    """Whether a reply or push waits for ``conn``: bytes already buffered by its parser, or a
    readable socket. One zero-timeout ``select`` (gevent's answers a zero timeout without
    yielding) instead of redis-py's ``can_read(0)``, which switches the socket to non-blocking
    and back around a failing recv — four syscalls, ~40 µs of every tracked read here."""
    buffer = getattr(conn._parser, "_buffer", None)
    if not hasattr(buffer, "unread_bytes") or conn._sock is None:
        return conn.can_read(0)  # another parser (e.g. hiredis): its own check
    return bool(buffer.unread_bytes()) or bool(select.select([conn._sock], [], [], 0)[0])

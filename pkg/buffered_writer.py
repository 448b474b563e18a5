"""Writes records in batches from one background thread per process, never on the caller's thread.

`emit()` appends to an in-memory deque (no lock, no thread wake-up); the thread wakes every
`flush_interval` seconds and hands what accumulated to `writer` in batches of `batch_size`.
Beyond `max_queue` pending records new ones are dropped (and counted) rather than slowing the
callers down. The thread is (re)started lazily, so an object built before a fork (gunicorn,
Celery prefork) still writes in every child, and a record emitted after `close()` still gets
written. `close()` stops the thread and flushes what is left; it runs at
interpreter exit and, through `close_all()`, wherever a process ends without running atexit
(Celery's prefork children). Under gevent the thread is a greenlet: `writer` may do I/O.

Used for the model usage records and the knowledge-base query log / hit counts.
"""
from __future__ import annotations

import atexit
import collections
import logging
import os
import threading
import weakref
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")
log = logging.getLogger(__name__)

_LIVE: weakref.WeakSet[BufferedWriter] = weakref.WeakSet()


def close_all() -> None:
    """Flush and stop every writer of this process (a process about to end without atexit)."""
    for writer in list(_LIVE):
        writer.close()


class BufferedWriter(Generic[T]):
    def __init__(self, writer: Callable[[list[T]], None], *, batch_size: int = 200,
                 flush_interval: float = 1.0, max_queue: int = 100_000, name: str = "buffered-writer") -> None:
        self.writer = writer
        self.batch_size = max(1, batch_size)
        self.flush_interval = flush_interval
        self.max_queue = max_queue
        self.name = name
        self._queue: collections.deque[T] = collections.deque()
        self.dropped = 0
        self._thread: threading.Thread | None = None
        self._pid: int | None = None
        self._start_lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._stop = threading.Event()
        _LIVE.add(self)
        atexit.register(self.close)

    def _ensure_thread(self) -> None:
        with self._start_lock:
            if self._thread is None or self._pid != os.getpid() or self._stop.is_set():
                self._pid = os.getpid()
                self._stop = threading.Event()
                thread = threading.Thread(target=self._run, name=self.name, daemon=True)
                try:
                    thread.start()
                except RuntimeError:  # interpreter shutting down: the record waits for close()
                    return
                self._thread = thread

    def emit(self, record: T) -> None:
        # (re)start lazily: first use, a forked child, or a record after close()
        if self._pid != os.getpid() or self._thread is None or self._stop.is_set():
            self._ensure_thread()
        if len(self._queue) >= self.max_queue:
            self.dropped += 1
            return
        self._queue.append(record)

    @property
    def pending(self) -> int:
        return len(self._queue)

    def _write(self, batch: list[T]) -> None:
        if not batch:
            return
        try:
            self.writer(batch)
        except Exception:  # never let a failed write kill the thread
            log.exception("%s: failed to write %d records", self.name, len(batch))

    def _run(self) -> None:
        stop = self._stop
        while not stop.wait(self.flush_interval):
            self.flush()

    def flush(self) -> None:
        """Write whatever is queued now, in the calling thread. Returns only once a batch another
        thread took off the queue is written too: a caller reading its own records right after
        (read-your-writes) must not find the queue empty while they are still on their way."""
        with self._write_lock:
            q = self._queue
            while q:
                batch = []
                while q and len(batch) < self.batch_size:
                    batch.append(q.popleft())
                self._write(batch)

    def close(self) -> None:
        self._stop.set()
        self.flush()

"""Per-process multiplexing of stream readers: ONE connection, ONE blocking XREAD.

A web worker may hold thousands of open SSE streams. Giving each a blocking connection would
need thousands of Redis connections (and threads or greenlets parked in them); instead one
dispatcher thread per process reads every subscribed task stream with a single
`XREAD BLOCK … STREAMS k1 … kn id1 … idn` and hands the entries to the subscribers' local
queues (under gevent the thread is a greenlet and the queues' events are cooperative).

A new subscription must join a read that is already blocked: the subscriber then XADDs to the
dispatcher's own small wake stream, which is part of every XREAD, so the read returns at once
and the next one includes the new key (coalesced: one wake per read cycle, however many
subscribers arrive). Several subscribers of one task (a client that re-attached) share the key;
the read starts at the lowest position any of them needs and each skips what it already has.

Frames published by THIS process (its own runs: the common case, a chat turn read by the web
worker that runs it) reach their subscribers directly, without a read: `deliver_local` hands
each frame to every subscriber that holds all the frames before it. Only keys that need a read
are in the XREAD — tasks produced elsewhere, and local tasks with a subscriber that is behind
(it joined late, or a frame came from another process) until it has caught up. A read over every
held stream costs O(streams) per cycle and new subscribers cause a cycle each: at thousands of
held streams that read was most of the worker's CPU.
"""
from __future__ import annotations

import collections
import logging
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

import redis

from .channel import Entry, Subscription

log = logging.getLogger(__name__)
RETRY_AFTER_ERROR_S = 0.5


def parse_entries(entries: list[Any]) -> list[Entry]:
    out = []
    for entry_id, fields in entries:
        raw = entry_id.decode() if isinstance(entry_id, bytes) else entry_id
        out.append(Entry(int(raw.split("-", 1)[1]), fields[b"f"], fields.get(b"t") == b"1"))
    return out


class RedisSubscription(Subscription):
    def __init__(self, dispatcher: StreamDispatcher, key: bytes, after: int) -> None:
        self.key, self._after, self._dispatcher = key, after, dispatcher
        self._items: collections.deque[Entry] = collections.deque()
        self._ready = threading.Event()
        self.pushed = after          # highest seq handed to this subscription (no gaps below it)
        self.closed = False

    @property
    def after(self) -> int:
        return self._after

    def push(self, entries: list[Entry]) -> None:
        self._items.extend(entries)
        self.pushed = max(self.pushed, entries[-1].seq)
        self._ready.set()

    def next_batch(self, timeout: float) -> list[Entry]:
        if not self._items and not self.closed:
            self._ready.wait(timeout)
        self._ready.clear()
        batch = []
        while self._items:
            entry = self._items.popleft()
            if entry.seq > self._after:
                batch.append(entry)
                self._after = entry.seq
        return batch

    def running(self) -> bool | None:
        return self._dispatcher.task_running(self.key)

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self._dispatcher.unsubscribe(self)
            self._ready.set()


class StreamDispatcher:
    def __init__(self, command_client: redis.Redis, read_client: redis.Redis, *, key_prefix: str,
                 block_ms: int = 5000, count: int = 500, leases_key: str = "",
                 task_of: Callable[[bytes], str] | None = None, liveness_interval: float = 2.0) -> None:
        self._commands, self._reader = command_client, read_client
        self._leases_key, self._task_of, self.liveness_interval = leases_key, task_of, liveness_interval
        self._alive: dict[bytes, bool] = {}
        self.wake_key = f"{key_prefix}wake:{uuid.uuid4().hex}".encode()
        self.block_ms, self.count = block_ms, count
        self._lock = threading.Lock()
        self._subs: dict[bytes, list[RedisSubscription]] = {}
        self._cursor: dict[bytes, int] = {}
        self._local_last: dict[bytes, int] = {}        # keys this process publishes: the last seq
        self._needs_read: set[bytes] = set()            # subscribed keys the XREAD must include
        self._wake_sent = False
        self._stopped = threading.Event()
        self._thread: threading.Thread | None = None
        self.reads = 0                                  # XREAD calls so far (for tests and metrics)

    @property
    def subscriber_count(self) -> int:
        with self._lock:
            return sum(len(v) for v in self._subs.values())

    def subscribe(self, key: bytes, after: int) -> RedisSubscription:
        sub = RedisSubscription(self, key, after)
        with self._lock:
            self._subs.setdefault(key, []).append(sub)
            self._cursor[key] = min(self._cursor.get(key, after), after)
            last = self._local_last.get(key)
            wake = False
            if last is None or after < last:  # produced elsewhere, or frames to catch up on
                self._needs_read.add(key)
                wake, self._wake_sent = not self._wake_sent, True
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="stream-dispatcher", daemon=True)
                self._thread.start()
                if self._leases_key and self._task_of is not None:
                    threading.Thread(target=self._watch_liveness, name="stream-liveness", daemon=True).start()
        if wake:
            self._wake()
        return sub

    def unsubscribe(self, sub: RedisSubscription) -> None:
        with self._lock:
            subs = self._subs.get(sub.key)
            if subs and sub in subs:
                subs.remove(sub)
                if not subs:
                    del self._subs[sub.key]
                    self._cursor.pop(sub.key, None)
                    self._alive.pop(sub.key, None)
                    self._needs_read.discard(sub.key)
                else:
                    self._settle(sub.key)

    def produce_here(self, key: bytes) -> None:
        """A NEW task of this process (no frames yet): its readers need no read from the start."""
        with self._lock:
            self._local_last.setdefault(key, 0)

    def forget_local(self, key: bytes) -> None:
        with self._lock:
            self._local_last.pop(key, None)

    def deliver_local(self, key: bytes, entry: Entry) -> None:
        """A frame this process just published (XADD answered its seq): straight to the
        subscribers that hold every frame before it; one that does not is read up to date."""
        with self._lock:
            if entry.terminal:
                self._local_last.pop(key, None)
            else:
                self._local_last[key] = max(self._local_last.get(key, 0), entry.seq)
            subs = self._subs.get(key, ())
            behind = False
            for sub in subs:
                if sub.pushed == entry.seq - 1:
                    sub.push([entry])
                elif sub.pushed < entry.seq:
                    behind = True
            wake = False
            if not behind:
                if subs:
                    self._cursor[key] = max(self._cursor.get(key, 0), entry.seq)
                self._settle(key)
            elif key not in self._needs_read:
                self._needs_read.add(key)
                wake, self._wake_sent = not self._wake_sent, True
        if wake:
            self._wake()

    def _settle(self, key: bytes) -> None:
        """(under the lock) A local key leaves the read once every subscriber has caught up."""
        last = self._local_last.get(key)
        if last is not None and key in self._needs_read and all(s.pushed >= last for s in self._subs.get(key, ())):
            self._needs_read.discard(key)

    def task_running(self, key: bytes) -> bool | None:
        """Whether the key's task has a live run, from the last batched check (None: not known
        yet). One ZMSCORE per interval answers for every reader of the process."""
        return self._alive.get(key)

    def _watch_liveness(self) -> None:
        while not self._stopped.wait(self.liveness_interval):
            with self._lock:
                keys = list(self._subs)
            for i in range(0, len(keys), 1000):
                part = keys[i:i + 1000]
                try:
                    scores = self._commands.zmscore(self._leases_key, [self._task_of(k) for k in part])
                except redis.RedisError:
                    log.warning("stream liveness check failed; retrying next interval", exc_info=True)
                    break
                now = time.time()
                for key, score in zip(part, scores, strict=True):
                    self._alive[key] = score is not None and score > now

    def _wake(self) -> None:
        try:
            pipe = self._commands.pipeline(transaction=False)
            pipe.xadd(self.wake_key, {b"w": b"1"}, maxlen=16, approximate=True)
            pipe.expire(self.wake_key, 86400)
            pipe.execute()
        except redis.RedisError:
            log.warning("stream dispatcher wake-up failed; the new reader joins on the next read cycle")

    def _run(self) -> None:
        wake_last = b"0-0"
        while not self._stopped.is_set():
            with self._lock:
                self._wake_sent = False
                streams: dict[bytes, Any] = {k: f"0-{self._cursor[k]}" for k in self._needs_read}
            streams[self.wake_key] = wake_last
            try:
                self.reads += 1
                response = self._reader.xread(streams, count=self.count, block=self.block_ms)
            except (redis.ConnectionError, redis.TimeoutError):
                log.warning("stream dispatcher lost its Redis connection; retrying", exc_info=True)
                self._stopped.wait(RETRY_AFTER_ERROR_S)
                continue
            except Exception:
                log.exception("stream dispatcher read failed")
                self._stopped.wait(RETRY_AFTER_ERROR_S)
                continue
            for key, entries in response or ():
                if key == self.wake_key:
                    wake_last = entries[-1][0]
                    continue
                parsed = parse_entries(entries)
                if not parsed:
                    continue
                asked = int(streams[key].split("-", 1)[1])
                with self._lock:
                    cursor = self._cursor.get(key)
                    if cursor is not None and cursor >= asked:
                        self._cursor[key] = max(cursor, parsed[-1].seq)
                    # else a subscriber that needs older frames joined during this read: the
                    # next read starts from its position; only those already past `asked` get these
                    subs = [s for s in self._subs.get(key, ()) if s.pushed >= asked]
                for sub in subs:
                    sub.push(parsed)
                with self._lock:
                    self._settle(key)

    def close(self) -> None:
        self._stopped.set()
        if self._thread is not None:
            self._wake()
            self._thread.join(timeout=self.block_ms / 1000 + 2)
        self._reader.close()

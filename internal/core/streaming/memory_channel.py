"""The in-process channel (embedded default): the same behaviour as Redis within one process.

All state sits behind one lock; each task stream has its own condition so a publish wakes only
that task's readers. Expired tasks are dropped lazily (on publish/subscribe, at most once a
second). A held lease never expires while its process lives (the holder IS this process);
`abandon()` starts its expiry clock, as a crash of the holder would.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

from .channel import ChannelSettings, Entry, ExpiredRun, Lease, StreamChannel, Subscription, TaskOwner


@dataclass
class _Stream:
    cond: threading.Condition
    entries: list[Entry] = field(default_factory=list)
    first: int = 1              # seq of entries[0]
    last: int = 0
    expires: float = 0.0


class _MemorySubscription(Subscription):
    def __init__(self, stream: _Stream, after: int) -> None:
        self._stream, self._after, self._closed = stream, after, False

    def next_batch(self, timeout: float) -> list[Entry]:
        s = self._stream
        with s.cond:
            if s.last <= self._after and not self._closed:
                s.cond.wait_for(lambda: s.last > self._after or self._closed, timeout)
            if self._closed or s.last <= self._after:
                return []
            start = max(0, self._after + 1 - s.first)
            batch = s.entries[start:]
            self._after = s.last
            return batch

    def close(self) -> None:
        s = self._stream
        with s.cond:
            self._closed = True
            s.cond.notify_all()


class _MemoryLease(Lease):
    def __init__(self, channel: InProcessStreamChannel, task_id: str) -> None:
        self._channel, self._task_id = channel, task_id

    def release(self) -> None:
        with self._channel._lock:
            self._channel._leases.pop(self._task_id, None)

    def abandon(self) -> None:
        with self._channel._lock:
            lease = self._channel._leases.get(self._task_id)
            if lease is not None:
                lease[0] = time.monotonic() + self._channel.settings.lease_ttl_s


class InProcessStreamChannel(StreamChannel):
    def __init__(self, settings: ChannelSettings | None = None) -> None:
        self.settings = settings or ChannelSettings()
        self._lock = threading.Lock()
        self._streams: dict[str, _Stream] = {}
        self._owners: dict[str, tuple[str, float]] = {}
        self._stops: dict[str, float] = {}
        self._leases: dict[str, list] = {}     # task → [expires (inf while held), meta]
        self._next_purge = 0.0

    def _stream(self, task_id: str, now: float) -> _Stream:
        s = self._streams.get(task_id)
        if s is None or s.expires <= now:
            s = self._streams[task_id] = _Stream(threading.Condition(threading.Lock()))
            s.expires = now + self.settings.stream_ttl_s
        return s

    def _purge(self, now: float) -> None:
        if now < self._next_purge:
            return
        self._next_purge = now + 1.0
        for table in (self._streams, self._owners, self._stops):
            dead = [k for k, v in table.items() if (v.expires if isinstance(v, _Stream)
                                                    else v[1] if isinstance(v, tuple) else v) <= now]
            for k in dead:
                del table[k]

    def publish(self, task_id: str, frame: bytes, terminal: bool = False) -> int:
        now = time.monotonic()
        with self._lock:
            self._purge(now)
            s = self._stream(task_id, now)
        with s.cond:
            s.last += 1
            s.entries.append(Entry(s.last, frame, terminal))
            excess = len(s.entries) - self.settings.stream_maxlen
            if excess > 0:
                del s.entries[:excess]
                s.first += excess
            s.expires = now + self.settings.stream_ttl_s
            s.cond.notify_all()
            return s.last

    def subscribe(self, task_id: str, after: int = 0) -> Subscription:
        now = time.monotonic()
        with self._lock:
            self._purge(now)
            return _MemorySubscription(self._stream(task_id, now), after)

    def set_owner(self, task_id: str, owner: TaskOwner) -> None:
        with self._lock:
            self._owners[task_id] = (owner.token(), time.monotonic() + self.settings.stream_ttl_s)

    def owner_of(self, task_id: str) -> str | None:
        with self._lock:
            value = self._owners.get(task_id)
        return value[0] if value and value[1] > time.monotonic() else None

    def request_stop(self, task_id: str) -> None:
        with self._lock:
            self._stops[task_id] = time.monotonic() + self.settings.stream_ttl_s

    def is_stop_requested(self, task_id: str) -> bool:
        with self._lock:
            return self._stops.get(task_id, 0.0) > time.monotonic()

    def hold_lease(self, task_id: str, meta: dict[str, str] | None = None) -> Lease:
        with self._lock:
            self._leases[task_id] = [float("inf"), dict(meta or {})]
        return _MemoryLease(self, task_id)

    def is_running(self, task_id: str) -> bool:
        with self._lock:
            lease = self._leases.get(task_id)
        return lease is not None and lease[0] > time.monotonic()

    def claim_expired(self, limit: int = 100) -> list[ExpiredRun]:
        now = time.monotonic()
        with self._lock:
            expired = [k for k, (exp, _) in self._leases.items() if exp <= now][:limit]
            return [ExpiredRun(k, self._leases.pop(k)[1]) for k in expired]

"""Measured outcomes per deployment for adaptive weights, and task-class decision counts.

Per deployment: an EWMA of the latency of successful calls (ms), an EWMA of the error rate
(1 per failed attempt, 0 per success) that also fades with time (`half_life` seconds without
news halve it, so a deployment that failed long ago and got little traffic since is trusted
again), and counters. Per group: requests per task class and per (class, deployment), and the
last decision.

`InMemoryRouteStatsStore` is the embedded default; `RedisRouteStatsStore` shares everything
between workers and replicas (like the cooldowns of state.py). Off the request path: an outcome
is applied to this process's cached view at once and queued; a background thread writes the
queue every `flush_interval` seconds in one pipeline (a Lua script per outcome updates the EWMAs
atomically and returns the shared figures). Reads are cached in-process for `local_ttl` seconds.
Times are wall-clock seconds, the only clock several hosts share.
"""
from __future__ import annotations

import atexit
import collections
import json
import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RouteStats:
    latency_ms: float | None = None
    error_rate: float = 0.0
    requests: int = 0
    failures: int = 0
    updated_at: float = 0.0

    def error_rate_at(self, now: float, half_life: float) -> float:
        if not self.error_rate or half_life <= 0 or now <= self.updated_at:
            return self.error_rate
        return self.error_rate * 0.5 ** ((now - self.updated_at) / half_life)


def ewma_update(prev: RouteStats, latency_ms: float | None, failed: bool, now: float, alpha: float,
                half_life: float) -> RouteStats:
    err = prev.error_rate_at(now, half_life)
    err += alpha * ((1.0 if failed else 0.0) - err)
    lat = prev.latency_ms
    if not failed and latency_ms is not None:
        lat = latency_ms if lat is None else lat + alpha * (latency_ms - lat)
    return RouteStats(lat, err, prev.requests + 1, prev.failures + (1 if failed else 0), now)


@dataclass(frozen=True)
class Decision:
    task: str
    deployment: str | None  # the one that answered; None when every candidate failed
    first_choice: str
    needs: tuple[str, ...]
    at: float

    def to_dict(self) -> dict[str, Any]:
        return {"task_class": self.task, "deployment": self.deployment, "first_choice": self.first_choice,
                "requirements": list(self.needs), "at": self.at}


class RouteStatsStore(Protocol):
    def observe(self, key: str, latency_ms: float | None, failed: bool, alpha: float, half_life: float,
                decision: tuple[str, Decision] | None = None) -> None:
        """Record one attempt's outcome; with `decision` = (group, decision), also that decision
        (the same round trip)."""

    def stats(self, keys: list[str]) -> dict[str, RouteStats]: ...

    def record_decision(self, group: str, decision: Decision) -> None: ...

    def decisions(self, group: str) -> tuple[dict[str, dict[str, int]], dict[str, Any] | None]:
        """({task class: {"requests": n, <deployment id>: n, ...}}, last decision or None)."""


def _fold(counts: dict[str, int]) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for field_, n in counts.items():
        task, _, dep = field_.partition("|")
        out.setdefault(task, {"requests": 0})["requests" if not dep else dep] = int(n)
    return out


class InMemoryRouteStatsStore:
    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._stats: dict[str, RouteStats] = {}
        self._counts: dict[str, dict[str, int]] = {}
        self._last: dict[str, Decision] = {}

    def observe(self, key: str, latency_ms: float | None, failed: bool, alpha: float, half_life: float,
                decision: tuple[str, Decision] | None = None) -> None:
        with self._lock:
            prev = self._stats.get(key) or RouteStats()
            self._stats[key] = ewma_update(prev, latency_ms, failed, self._clock(), alpha, half_life)
        if decision is not None:
            self.record_decision(*decision)

    def stats(self, keys: list[str]) -> dict[str, RouteStats]:
        empty = RouteStats()
        return {k: self._stats.get(k, empty) for k in keys}

    def record_decision(self, group: str, decision: Decision) -> None:
        with self._lock:
            c = self._counts.setdefault(group, {})
            c[decision.task] = c.get(decision.task, 0) + 1
            if decision.deployment:
                f = f"{decision.task}|{decision.deployment}"
                c[f] = c.get(f, 0) + 1
            self._last[group] = decision

    def decisions(self, group: str) -> tuple[dict[str, dict[str, int]], dict[str, Any] | None]:
        with self._lock:
            counts = dict(self._counts.get(group, {}))
            last = self._last.get(group)
        return _fold(counts), last.to_dict() if last else None


# KEYS[1] the stats hash; ARGV: latency ms ("" on failure), failed 0/1, now, alpha, half-life, ttl
_OBSERVE = """
local v = redis.call('HMGET', KEYS[1], 'lat', 'err', 't', 'n', 'f')
local now, alpha, half = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local err, t = tonumber(v[2]) or 0, tonumber(v[3]) or now
if half > 0 and now > t then err = err * math.pow(0.5, (now - t) / half) end
local failed = ARGV[2] == '1'
err = err + alpha * ((failed and 1 or 0) - err)
local lat = tonumber(v[1])
local sample = tonumber(ARGV[1])
if not failed and sample then
  if lat then lat = lat + alpha * (sample - lat) else lat = sample end
end
local n = (tonumber(v[4]) or 0) + 1
local f = (tonumber(v[5]) or 0) + (failed and 1 or 0)
redis.call('HSET', KEYS[1], 'err', tostring(err), 't', ARGV[3], 'n', n, 'f', f)
if lat then redis.call('HSET', KEYS[1], 'lat', tostring(lat)) end
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[6]))
return {tostring(lat or ''), tostring(err), n, f}
"""


class RedisRouteStatsStore:
    """`flush_interval=None` writes in the caller (tests); beyond `max_queue` pending writes new
    outcomes are dropped (and counted) rather than slowing requests down."""

    def __init__(self, redis: Any, prefix: str = "llmops:lm:route:", local_ttl: float = 0.0,
                 ttl_seconds: int = 86_400, clock: Callable[[], float] = time.time,
                 flush_interval: float | None = 0.1, max_queue: int = 10_000) -> None:
        self.redis = redis
        self.prefix = prefix
        self.local_ttl = local_ttl
        self.ttl_seconds = ttl_seconds
        self._clock = clock
        self._script = redis.register_script(_OBSERVE)
        self._local: dict[str, tuple[float, RouteStats]] = {}  # key -> (read at, stats)
        self.flush_interval = flush_interval
        self.max_queue = max_queue
        self.dropped = 0
        self._queue: collections.deque[tuple] = collections.deque()
        self._write_lock = threading.Lock()
        self._start_lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._pid: int | None = None
        self._stop = threading.Event()
        if flush_interval is not None:
            atexit.register(self.close)

    def _k(self, kind: str, name: str) -> str:
        return f"{self.prefix}{kind}:{name}"

    # ------------------------------------------------------------------ writes ----------------
    def observe(self, key: str, latency_ms: float | None, failed: bool, alpha: float, half_life: float,
                decision: tuple[str, Decision] | None = None) -> None:
        now = self._clock()
        hit = self._local.get(key)
        # this process sees its own outcome at once; the write returns the shared figures
        self._local[key] = (hit[0] if hit else now,
                            ewma_update(hit[1] if hit else RouteStats(), latency_ms, failed, now, alpha, half_life))
        self._enqueue(("o", key, latency_ms, failed, now, alpha, half_life))
        if decision is not None:
            self._enqueue(("d", *decision))

    def record_decision(self, group: str, decision: Decision) -> None:
        self._enqueue(("d", group, decision))

    def _enqueue(self, op: tuple) -> None:
        if self.flush_interval is None:
            self._queue.append(op)
            self.flush()
            return
        if self._pid != os.getpid() or self._thread is None:
            self._ensure_thread()
        if len(self._queue) >= self.max_queue:
            self.dropped += 1
            return
        self._queue.append(op)

    def _ensure_thread(self) -> None:
        # (re)started lazily, so a store built before a gunicorn fork works in every worker
        with self._start_lock:
            if self._thread is None or self._pid != os.getpid():
                self._pid = os.getpid()
                self._stop = threading.Event()
                self._thread = threading.Thread(target=self._run, name="route-stats", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        stop = self._stop
        while not stop.wait(self.flush_interval or 0.1):
            self.flush()

    def flush(self) -> None:
        """Write whatever is queued now, in the calling thread."""
        with self._write_lock:
            ops = []
            while self._queue:
                ops.append(self._queue.popleft())
            if not ops:
                return
            try:
                self._write(ops)
            except Exception:  # best effort: the requests were served; never kill the thread
                log.exception("route stats: failed to write %d outcomes", len(ops))

    def _write(self, ops: list[tuple]) -> None:
        pipe = self.redis.pipeline(transaction=False)
        observed = []
        for op in ops:
            if op[0] == "o":
                _, key, latency_ms, failed, now, alpha, half_life = op
                self._script(keys=[self._k("s", key)], args=[
                    "" if latency_ms is None or failed else repr(float(latency_ms)), "1" if failed else "0",
                    repr(now), repr(alpha), repr(half_life), self.ttl_seconds], client=pipe)
                observed.append((len(pipe), key, now))
            else:
                self._decision(pipe, op[1], op[2])
        results = pipe.execute()
        for end, key, now in observed:
            lat, err, n, f = results[end - 1]
            lat = lat.decode() if isinstance(lat, bytes) else lat
            err = err.decode() if isinstance(err, bytes) else err
            self._local[key] = (now, RouteStats(float(lat) if lat else None, float(err), int(n), int(f), now))

    def close(self) -> None:
        self._stop.set()
        self.flush()

    def _decision(self, pipe: Any, group: str, decision: Decision) -> None:
        key = self._k("tasks", group)
        pipe.hincrby(key, decision.task, 1)
        if decision.deployment:
            pipe.hincrby(key, f"{decision.task}|{decision.deployment}", 1)
        pipe.expire(key, self.ttl_seconds)
        pipe.set(self._k("last", group), json.dumps(decision.to_dict()), ex=self.ttl_seconds)

    # ------------------------------------------------------------------ reads -----------------
    def stats(self, keys: list[str]) -> dict[str, RouteStats]:
        now = self._clock()
        out: dict[str, RouteStats] = {}
        missing = []
        for k in keys:
            hit = self._local.get(k)
            if hit is not None and now - hit[0] < self.local_ttl:
                out[k] = hit[1]
            else:
                missing.append(k)
        if missing:
            pipe = self.redis.pipeline(transaction=False)
            for k in missing:
                pipe.hmget(self._k("s", k), "lat", "err", "n", "f", "t")
            for k, row in zip(missing, pipe.execute(), strict=True):
                lat, err, n, f, t = (x.decode() if isinstance(x, bytes) else x for x in row)
                st = RouteStats(float(lat) if lat else None, float(err or 0), int(n or 0), int(f or 0),
                                float(t or 0))
                out[k] = st
                self._local[k] = (now, st)
        return out

    def decisions(self, group: str) -> tuple[dict[str, dict[str, int]], dict[str, Any] | None]:
        pipe = self.redis.pipeline(transaction=False)
        pipe.hgetall(self._k("tasks", group))
        pipe.get(self._k("last", group))
        counts, last = pipe.execute()
        counts = {(k.decode() if isinstance(k, bytes) else k): int(v) for k, v in (counts or {}).items()}
        return _fold(counts), json.loads(last) if last else None

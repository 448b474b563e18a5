"""Per-deployment health state: consecutive failures, cooldown (circuit breaker), latency.

`DeploymentStateStore` is the interface. `InMemoryDeploymentStateStore` is the embedded
default (one process). `RedisDeploymentStateStore` shares failures and cooldowns between all
gunicorn workers and replicas, so a deployment that breaks is skipped everywhere.
Latency (EWMA) and request counters stay in-process: they only steer `lowest_latency` and
feed the health snapshot, where exact cross-process figures are not needed.
"""
from __future__ import annotations

import threading
import time
from typing import Any, Protocol


class DeploymentStateStore(Protocol):
    def record_failure(self, dep_id: str, window: float) -> int:
        """Count one failure; return consecutive failures seen within `window` seconds."""

    def record_success(self, dep_id: str) -> None: ...

    def set_cooldown(self, dep_id: str, seconds: float) -> None: ...

    def cooldown_remaining(self, dep_id: str) -> float: ...

    def cooldowns(self, dep_ids: list[str]) -> dict[str, float]:
        """Remaining cooldown seconds for each id (0.0 when available)."""

    def failures(self, dep_id: str) -> int: ...


class InMemoryDeploymentStateStore:
    def __init__(self, clock=time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._fail: dict[str, tuple[int, float]] = {}  # id -> (count, first failure time)
        self._cool: dict[str, float] = {}  # id -> until

    def record_failure(self, dep_id: str, window: float) -> int:
        now = self._clock()
        with self._lock:
            count, since = self._fail.get(dep_id, (0, now))
            if now - since > window:
                count, since = 0, now
            count += 1
            self._fail[dep_id] = (count, since)
            return count

    def record_success(self, dep_id: str) -> None:
        if dep_id in self._fail:
            with self._lock:
                self._fail.pop(dep_id, None)

    def set_cooldown(self, dep_id: str, seconds: float) -> None:
        with self._lock:
            self._cool[dep_id] = self._clock() + seconds
            self._fail.pop(dep_id, None)

    def cooldown_remaining(self, dep_id: str) -> float:
        until = self._cool.get(dep_id)
        if until is None:
            return 0.0
        left = until - self._clock()
        if left <= 0:
            with self._lock:
                self._cool.pop(dep_id, None)
            return 0.0
        return left

    def cooldowns(self, dep_ids: list[str]) -> dict[str, float]:
        if not self._cool:
            return {d: 0.0 for d in dep_ids}
        return {d: self.cooldown_remaining(d) for d in dep_ids}

    def failures(self, dep_id: str) -> int:
        return self._fail.get(dep_id, (0, 0.0))[0]


class RedisDeploymentStateStore:
    """Shared state in Redis: `fail:<id>` counter with TTL=window, `cool:<id>` key with TTL=cooldown.

    Hot-path economy: cooldown reads are cached in-process for `local_ttl` seconds (a cooldown
    set by another process is seen at most that late; one set or a failure seen by this process
    is seen at once), and a success only clears the failure counter when this process has seen
    a failure of that deployment (otherwise the counter simply expires after `failure_window`).
    """

    def __init__(self, redis: Any, prefix: str = "llmops:lm:", local_ttl: float = 0.0,
                 clock=time.monotonic) -> None:
        self.redis = redis
        self.prefix = prefix
        self.local_ttl = local_ttl
        self._clock = clock
        self._local: dict[str, tuple[float, float]] = {}  # id -> (read at, cooldown until)
        self._dirty: set[str] = set()

    def _k(self, kind: str, dep_id: str) -> str:
        return f"{self.prefix}{kind}:{dep_id}"

    def record_failure(self, dep_id: str, window: float) -> int:
        self._dirty.add(dep_id)
        self._local.pop(dep_id, None)
        key = self._k("fail", dep_id)
        pipe = self.redis.pipeline()
        pipe.incr(key)
        pipe.expire(key, max(1, int(window)), nx=True)
        count, _ = pipe.execute()
        return int(count)

    def record_success(self, dep_id: str) -> None:
        if dep_id in self._dirty:
            self._dirty.discard(dep_id)
            self.redis.delete(self._k("fail", dep_id))

    def set_cooldown(self, dep_id: str, seconds: float) -> None:
        pipe = self.redis.pipeline()
        pipe.set(self._k("cool", dep_id), "1", px=max(1, int(seconds * 1000)))
        pipe.delete(self._k("fail", dep_id))
        pipe.execute()
        now = self._clock()
        self._local[dep_id] = (now, now + seconds)

    def cooldown_remaining(self, dep_id: str) -> float:
        return self.cooldowns([dep_id])[dep_id]

    def cooldowns(self, dep_ids: list[str]) -> dict[str, float]:
        if not dep_ids:
            return {}
        now = self._clock()
        out: dict[str, float] = {}
        missing = []
        for d in dep_ids:
            hit = self._local.get(d)
            if hit is not None and now - hit[0] < self.local_ttl:
                out[d] = max(0.0, hit[1] - now)
            else:
                missing.append(d)
        if missing:
            pipe = self.redis.pipeline(transaction=False)
            for d in missing:
                pipe.pttl(self._k("cool", d))
            for d, ms in zip(missing, pipe.execute(), strict=True):
                left = ms / 1000.0 if ms and ms > 0 else 0.0
                out[d] = left
                if self.local_ttl > 0:
                    self._local[d] = (now, now + left)
        return out

    def failures(self, dep_id: str) -> int:
        v = self.redis.get(self._k("fail", dep_id))
        return int(v) if v else 0


class LatencyTracker:
    """In-process per-deployment EWMA latency and counters."""

    def __init__(self, alpha: float = 0.2) -> None:
        self.alpha = alpha
        self._lock = threading.Lock()
        self._ewma: dict[str, float] = {}
        self._stats: dict[str, dict[str, Any]] = {}

    def _s(self, dep_id: str) -> dict[str, Any]:
        s = self._stats.get(dep_id)
        if s is None:
            s = self._stats[dep_id] = {"requests": 0, "successes": 0, "failures": 0, "last_error": None,
                                       "last_error_at": None, "last_success_at": None}
        return s

    def observe_success(self, dep_id: str, latency_ms: float) -> None:
        with self._lock:
            prev = self._ewma.get(dep_id)
            self._ewma[dep_id] = latency_ms if prev is None else prev + self.alpha * (latency_ms - prev)
            s = self._s(dep_id)
            s["requests"] += 1
            s["successes"] += 1
            s["last_success_at"] = time.time()

    def observe_failure(self, dep_id: str, error: str) -> None:
        with self._lock:
            s = self._s(dep_id)
            s["requests"] += 1
            s["failures"] += 1
            s["last_error"] = error
            s["last_error_at"] = time.time()

    def latency(self, dep_id: str) -> float | None:
        return self._ewma.get(dep_id)

    def stats(self, dep_id: str) -> dict[str, Any]:
        with self._lock:
            s = dict(self._s(dep_id))
        s["latency_ewma_ms"] = round(self._ewma[dep_id], 3) if dep_id in self._ewma else None
        return s

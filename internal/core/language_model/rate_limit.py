"""Per-API-key rate limits: requests/minute and tokens/minute.

Sliding-window approximation over two fixed one-minute buckets (the previous bucket's count is
weighted by how much of it still overlaps the last 60 s), which avoids the double burst at
window edges of a plain fixed window while needing just two counters per key and metric.

* A request is admitted if `requests_used + 1 <= rpm` and `tokens_used + prompt_estimate <= tpm`.
* Admission counts the request; `record_tokens()` adds the real token total after the response.
* A rejection carries `retry_after` seconds (rounded up) for the `Retry-After` header.

`InMemoryRateLimiter` is the embedded default; `RedisRateLimiter` shares counters between
processes (INCRBY first, check, roll back on rejection: never over-admits, one round trip).
"""
from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass
from typing import Any, Protocol

WINDOW = 60.0


@dataclass(frozen=True)
class RateLimit:
    rpm: int | None = None
    tpm: int | None = None

    @property
    def unlimited(self) -> bool:
        return not self.rpm and not self.tpm


@dataclass
class RateLimitDecision:
    allowed: bool
    retry_after: float = 0.0
    limit_type: str | None = None  # "requests" | "tokens"
    limit: int | None = None
    remaining: int | None = None

    @property
    def retry_after_header(self) -> str:
        return str(max(1, math.ceil(self.retry_after)))


def _used(prev: float, curr: float, elapsed: float) -> float:
    return prev * (1.0 - elapsed / WINDOW) + curr


def _wait_for(prev: float, curr: float, elapsed: float, need: float, limit: float) -> float:
    """Seconds until `need` more units fit under `limit`."""
    if need > limit:
        return WINDOW * 2  # can never fit in one window; tell the client to back off hard
    if curr + need <= limit and prev > 0:
        # prev bucket decays within the current window
        target = 1.0 - (limit - need - curr) / prev  # fraction of window that must have elapsed
        return max(0.0, target * WINDOW - elapsed)
    # must wait for the next window, where today's `curr` becomes `prev`
    rest = WINDOW - elapsed
    if curr <= 0:
        return rest
    frac = max(0.0, 1.0 - (limit - need) / curr)
    return rest + frac * WINDOW


def _decide(limit: RateLimit, req_prev: float, req_curr: float, tok_prev: float, tok_curr: float,
            elapsed: float, tokens: int) -> RateLimitDecision:
    if limit.rpm:
        used = _used(req_prev, req_curr, elapsed)
        if used + 1 > limit.rpm + 1e-9:
            return RateLimitDecision(False, _wait_for(req_prev, req_curr, elapsed, 1, limit.rpm), "requests",
                                     limit.rpm, 0)
    if limit.tpm:
        used_t = _used(tok_prev, tok_curr, elapsed)
        need = max(0, tokens)
        if used_t >= limit.tpm or used_t + need > limit.tpm:
            return RateLimitDecision(False, _wait_for(tok_prev, tok_curr, elapsed, max(1, need), limit.tpm),
                                     "tokens", limit.tpm, 0)
    remaining = None
    if limit.rpm:
        remaining = max(0, int(limit.rpm - _used(req_prev, req_curr, elapsed) - 1))
    return RateLimitDecision(True, 0.0, None, limit.rpm, remaining)


class RateLimiter(Protocol):
    def acquire(self, key: str, limit: RateLimit, tokens: int = 0) -> RateLimitDecision: ...

    def record_tokens(self, key: str, tokens: int) -> None: ...


class InMemoryRateLimiter:
    def __init__(self, clock=time.time) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        # key -> {"bucket": int, "req": [prev, curr], "tok": [prev, curr]}
        self._state: dict[str, dict[str, Any]] = {}

    def _roll(self, key: str, now: float) -> dict[str, Any]:
        bucket = int(now // WINDOW)
        st = self._state.get(key)
        if st is None:
            st = self._state[key] = {"bucket": bucket, "req": [0, 0], "tok": [0, 0]}
        elif st["bucket"] != bucket:
            gap = bucket - st["bucket"]
            for m in ("req", "tok"):
                st[m] = [st[m][1] if gap == 1 else 0, 0]
            st["bucket"] = bucket
        return st

    def acquire(self, key: str, limit: RateLimit, tokens: int = 0) -> RateLimitDecision:
        if limit.unlimited:
            return RateLimitDecision(True)
        now = self._clock()
        with self._lock:
            st = self._roll(key, now)
            elapsed = now - st["bucket"] * WINDOW
            d = _decide(limit, st["req"][0], st["req"][1], st["tok"][0], st["tok"][1], elapsed, tokens)
            if d.allowed:
                st["req"][1] += 1
            return d

    def record_tokens(self, key: str, tokens: int) -> None:
        if tokens <= 0:
            return
        now = self._clock()
        with self._lock:
            st = self._roll(key, now)
            st["tok"][1] += tokens


class RedisRateLimiter:
    def __init__(self, redis: Any, prefix: str = "llmops:rl:", clock=time.time) -> None:
        self.redis = redis
        self.prefix = prefix
        self._clock = clock

    def _keys(self, key: str, bucket: int) -> tuple[str, str, str, str]:
        p = self.prefix + key
        return f"{p}:r:{bucket - 1}", f"{p}:r:{bucket}", f"{p}:t:{bucket - 1}", f"{p}:t:{bucket}"

    def acquire(self, key: str, limit: RateLimit, tokens: int = 0) -> RateLimitDecision:
        if limit.unlimited:
            return RateLimitDecision(True)
        now = self._clock()
        bucket = int(now // WINDOW)
        elapsed = now - bucket * WINDOW
        rp, rc, tp, tc = self._keys(key, bucket)
        pipe = self.redis.pipeline(transaction=False)
        pipe.incr(rc)
        pipe.expire(rc, int(WINDOW * 2) + 5)
        pipe.get(rp)
        pipe.get(tp)
        pipe.get(tc)
        req_curr, _, req_prev, tok_prev, tok_curr = pipe.execute()
        req_curr = int(req_curr)
        d = _decide(limit, float(req_prev or 0), req_curr - 1, float(tok_prev or 0), float(tok_curr or 0),
                    elapsed, tokens)
        if not d.allowed:
            self.redis.decr(rc)
        return d

    def record_tokens(self, key: str, tokens: int) -> None:
        if tokens <= 0:
            return
        bucket = int(self._clock() // WINDOW)
        tc = self._keys(key, bucket)[3]
        pipe = self.redis.pipeline(transaction=False)
        pipe.incrby(tc, int(tokens))
        pipe.expire(tc, int(WINDOW * 2) + 5)
        pipe.execute()

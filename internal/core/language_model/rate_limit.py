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

    def add_requests(self, key: str, n: int) -> None:
        if n <= 0:
            return
        now = self._clock()
        with self._lock:
            st = self._roll(key, now)
            st["req"][1] += n


_ACQUIRE_LUA = """
local rprev = tonumber(redis.call('GET', KEYS[1]) or '0')
local rcurr = tonumber(redis.call('GET', KEYS[2]) or '0')
local tprev = tonumber(redis.call('GET', KEYS[3]) or '0')
local tcurr = tonumber(redis.call('GET', KEYS[4]) or '0')
local rpm, tpm, tokens, w = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local ok = 1
if rpm > 0 and rprev * w + rcurr + 1 > rpm + 1e-9 then ok = 0 end
if ok == 1 and tpm > 0 then
  local used = tprev * w + tcurr
  if used >= tpm or used + tokens > tpm then ok = 0 end
end
if ok == 1 then
  redis.call('INCR', KEYS[2])
  redis.call('EXPIRE', KEYS[2], tonumber(ARGV[5]))
end
return {ok, tostring(rprev), tostring(rcurr), tostring(tprev), tostring(tcurr)}
"""


class RedisRateLimiter:
    """Counters in Redis, shared by every process. One round trip per admission: a Lua script
    (check and count atomically) on a real Redis; on clients without scripting (fakeredis
    without Lua) a pipeline that counts first, checks, and rolls back a rejection."""

    def __init__(self, redis: Any, prefix: str = "llmops:rl:", clock=time.time,
                 use_script: bool | None = None) -> None:
        self.redis = redis
        self.prefix = prefix
        self._clock = clock
        self._use_script = use_script
        self._script: Any = None

    def _keys(self, key: str, bucket: int) -> tuple[str, str, str, str]:
        p = self.prefix + key
        return f"{p}:r:{bucket - 1}", f"{p}:r:{bucket}", f"{p}:t:{bucket - 1}", f"{p}:t:{bucket}"

    def acquire(self, key: str, limit: RateLimit, tokens: int = 0) -> RateLimitDecision:
        if limit.unlimited:
            return RateLimitDecision(True)
        now = self._clock()
        bucket = int(now // WINDOW)
        elapsed = now - bucket * WINDOW
        keys = self._keys(key, bucket)
        if self._use_script is not False:
            try:
                if self._script is None:
                    self._script = self.redis.register_script(_ACQUIRE_LUA)
                ok, rp, rc, tp, tc = self._script(keys=list(keys), args=[
                    limit.rpm or 0, limit.tpm or 0, max(0, tokens), 1.0 - elapsed / WINDOW, int(WINDOW * 2) + 5])
                self._use_script = True
                d = _decide(limit, float(rp), float(rc), float(tp), float(tc), elapsed, tokens)
                if int(ok) == 1 and not d.allowed:  # float rounding at the boundary: trust Redis
                    return RateLimitDecision(True, limit=limit.rpm)
                if int(ok) == 0 and d.allowed:
                    d = RateLimitDecision(False, 1.0, "requests" if limit.rpm else "tokens",
                                          limit.rpm or limit.tpm, 0)
                return d
            except Exception:
                if self._use_script:  # scripting worked before: a real error
                    raise
                self._use_script = False
        return self._acquire_pipeline(keys, limit, tokens, elapsed)

    def _acquire_pipeline(self, keys: tuple[str, str, str, str], limit: RateLimit, tokens: int,
                          elapsed: float) -> RateLimitDecision:
        rp, rc, tp, tc = keys
        pipe = self.redis.pipeline(transaction=False)
        pipe.incr(rc)
        pipe.expire(rc, int(WINDOW * 2) + 5)
        pipe.mget(rp, tp, tc)
        req_curr, _, (req_prev, tok_prev, tok_curr) = pipe.execute()
        req_curr = int(req_curr)
        d = _decide(limit, float(req_prev or 0), req_curr - 1, float(tok_prev or 0), float(tok_curr or 0),
                    elapsed, tokens)
        if not d.allowed:
            self.redis.decr(rc)
        return d

    def add_requests(self, key: str, n: int) -> None:
        if n <= 0:
            return
        rc = self._keys(key, int(self._clock() // WINDOW))[1]
        pipe = self.redis.pipeline(transaction=False)
        pipe.incrby(rc, int(n))
        pipe.expire(rc, int(WINDOW * 2) + 5)
        pipe.execute()

    def record_tokens(self, key: str, tokens: int) -> None:
        if tokens <= 0:
            return
        bucket = int(self._clock() // WINDOW)
        tc = self._keys(key, bucket)[3]
        pipe = self.redis.pipeline(transaction=False)
        pipe.incrby(tc, int(tokens))
        pipe.expire(tc, int(WINDOW * 2) + 5)
        pipe.execute()


class LocalFirstRateLimiter:
    """Saves the shared store a round trip per request for keys far below a generous limit.

    For request-only limits of at least `min_rpm`, a process admits a request locally while its
    last view of the key (at most `max_staleness` s old) plus what it admitted locally since then
    stays under `local_share` of the limit and its unflushed local admissions stay under
    `batch_share` of the limit; otherwise it flushes those admissions and asks the shared limiter
    (exact). Near the limit every request is exact; the overshoot is bounded by
    processes x `batch_share` of the limit. Token limits are always exact.
    """

    def __init__(self, inner: Any, min_rpm: int = 600, max_staleness: float = 0.25, local_share: float = 0.5,
                 batch_share: float = 0.01, clock=time.monotonic) -> None:
        self.inner = inner
        self.min_rpm = min_rpm
        self.max_staleness = max_staleness
        self.local_share = local_share
        self.batch_share = batch_share
        self._clock = clock
        self._lock = threading.Lock()
        self._state: dict[str, list[float]] = {}  # key -> [read at, used then, admitted locally since]

    def acquire(self, key: str, limit: RateLimit, tokens: int = 0) -> RateLimitDecision:
        rpm = limit.rpm
        if limit.tpm or not rpm or rpm < self.min_rpm:
            return self.inner.acquire(key, limit, tokens)
        now = self._clock()
        with self._lock:
            st = self._state.get(key)
            pending = 0
            if st is not None:
                used, pending = st[1], int(st[2])
                if (now - st[0] < self.max_staleness and used + pending + 1 <= self.local_share * rpm
                        and pending + 1 <= max(1, int(self.batch_share * rpm))):
                    st[2] += 1
                    return RateLimitDecision(True, limit=rpm, remaining=max(0, int(rpm - used - pending - 1)))
                st[2] = 0  # this thread flushes them
        if pending:
            self.inner.add_requests(key, pending)
        d = self.inner.acquire(key, limit, tokens)
        used_now = float(rpm - d.remaining) if d.allowed and d.remaining is not None else float(rpm)
        with self._lock:
            if len(self._state) > 100_000:
                self._state.clear()
            cur = self._state.get(key)
            self._state[key] = [now, used_now, cur[2] if cur is not None else 0]
        return d

    def record_tokens(self, key: str, tokens: int) -> None:
        self.inner.record_tokens(key, tokens)

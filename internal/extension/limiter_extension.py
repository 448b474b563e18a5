"""Per-key rate-limit counters: the `limits` moving window in Redis (production) or in memory.

Built directly on `limits` (the library under Flask-Limiter) rather than through Flask-Limiter:
no route declares a Flask-Limiter limit, and its before/after_request hooks cost ~0.25 ms on
every request of every surface. `ApiKeyUsageService.check_rate_limit` is the only user.
"""
from __future__ import annotations

from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter, RateLimiter

from config import Config


def build_limiter(conf: Config) -> RateLimiter:
    return MovingWindowRateLimiter(storage_from_string(conf.REDIS_URL or "memory://"))

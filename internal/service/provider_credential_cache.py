"""The per-process cache of decrypted per-account provider credentials (the /v1 hot path reads
them on every request), invalidated across processes by a Redis epoch.

Same mechanism as the API-key cache (account_lookup_service.API_KEY_EPOCH): every credential
change bumps `provider-credential:epoch` after its commit; an entry is valid only while the
epoch read BEFORE its database read is unchanged. The epoch is read through Redis client-side
caching (`KeyReader`), so a warm read costs no round trip, and a bump reaches every worker and
replica before the changing request answers. One instance per injector (a singleton binding):
a cache per service instance would never be hit and never be dropped where it matters.
"""
from __future__ import annotations

import threading
import time
from typing import Any

from redis import Redis

from pkg.redis_tracking import KeyReader

PROVIDER_CREDENTIAL_EPOCH = "provider-credential:epoch"
Credentials = dict[str, dict[str, Any]]


class ProviderCredentialCache:
    def __init__(self, ttl: float, redis: Redis, hot_keys: KeyReader, max_entries: int = 50_000) -> None:
        self.ttl = ttl
        self.redis = redis
        self.hot_keys = hot_keys
        self.max_entries = max_entries
        self._entries: dict[Any, tuple[float, int, Credentials]] = {}  # account -> (expires, epoch, value)
        self._lock = threading.Lock()

    def epoch(self) -> int:
        return int(self.hot_keys.get(PROVIDER_CREDENTIAL_EPOCH) or 0)

    def get(self, account_id: Any, epoch: int) -> Credentials | None:
        hit = self._entries.get(account_id)
        if hit is not None and hit[0] > time.monotonic() and hit[1] == epoch:
            return hit[2]
        return None

    def put(self, account_id: Any, epoch: int, value: Credentials) -> None:
        if self.ttl <= 0:
            return
        with self._lock:
            if len(self._entries) > self.max_entries:
                self._entries.clear()
            self._entries[account_id] = (time.monotonic() + self.ttl, epoch, value)

    def invalidate(self) -> None:
        """After commit: every cached copy made before now, in any process, is stale.

        The PING after the INCR returns only once Redis has written the invalidation pushes of
        the INCR to every tracking reader (see ApiKeyService._invalidate_caches)."""
        with self._lock:
            self._entries.clear()
        self.redis.incr(PROVIDER_CREDENTIAL_EPOCH)
        self.redis.ping()

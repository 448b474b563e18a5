"""API keys of the third-party surfaces: stored as sha256, shown in full once, listed masked.

The API-key middleware looks keys up on every request (one unique-index query). Caches of
authenticated keys (the /v1 gateway keeps a short in-process one) are invalidated through the
Redis epoch bumped after every update/delete, so disabling or deleting a key takes effect on
the very next request, on every worker.
"""
from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from injector import inject
from limits import parse
from limits.strategies import RateLimiter
from redis import Redis
from sqlalchemy import or_, select, update

from config import Config
from internal.exception import TooManyRequestsException
from internal.model.api_key import ApiKey
from internal.service.account_lookup_service import API_KEY_EPOCH
from internal.service.base_service import get_owned
from pkg import secret_token
from pkg.paginator import Paginator, SearchPaginatorReq
from pkg.sqlalchemy import SQLAlchemy


@inject
@dataclass
class ApiKeyService:
    db: SQLAlchemy
    redis: Redis

    def get_api_keys_with_page(self, account_id: uuid.UUID, req: SearchPaginatorReq
                               ) -> tuple[Sequence[ApiKey], Paginator]:
        stmt = select(ApiKey).where(ApiKey.account_id == account_id)
        if req.search_word:
            word = req.search_word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            stmt = stmt.where(or_(ApiKey.remark.ilike(f"%{word}%", escape="\\")))
        stmt = stmt.order_by(ApiKey.created_at.desc(), ApiKey.id)
        return Paginator.paginate(self.db.session, stmt, req)

    def create_api_key(self, account_id: uuid.UUID, is_active: bool, remark: str) -> tuple[ApiKey, str]:
        """Returns the row and the full key; the key is not recoverable afterwards."""
        raw = secret_token.generate()
        api_key = ApiKey(account_id=account_id, key_hash=secret_token.hash_secret(raw),
                         masked_key=secret_token.mask(raw), is_active=is_active, remark=remark)
        with self.db.auto_commit():
            self.db.session.add(api_key)
        return api_key, raw

    def update_api_key(self, account_id: uuid.UUID, api_key_id: uuid.UUID, *, is_active: bool | None = None,
                       remark: str | None = None) -> ApiKey:
        api_key = get_owned(self.db, ApiKey, api_key_id, account_id, "API key not found")
        with self.db.auto_commit():
            if is_active is not None:
                api_key.is_active = is_active
            if remark is not None:
                api_key.remark = remark
        self._invalidate_caches()
        return api_key

    def delete_api_key(self, account_id: uuid.UUID, api_key_id: uuid.UUID) -> None:
        api_key = get_owned(self.db, ApiKey, api_key_id, account_id, "API key not found")
        with self.db.auto_commit():
            self.db.session.delete(api_key)
        self._invalidate_caches()

    def _invalidate_caches(self) -> None:
        """After commit: every cached authentication made before now is stale.

        Readers cache the epoch with Redis client-side caching (invalidation pushes). Redis
        writes those pushes in the event-loop iteration of the INCR, possibly just after our
        reply; the PING round trip that follows is served in a later iteration, so when it
        returns every reader's push has been written (and, on one host, is already readable)."""
        self.redis.incr(API_KEY_EPOCH)
        self.redis.ping()


@inject
@dataclass
class ApiKeyUsageService:
    """Per-key rate limit and a throttled `last_used_at`, on the API-key hot path."""

    db: SQLAlchemy
    conf: Config
    limiter: RateLimiter
    redis: Redis

    def check_rate_limit(self, api_key_id: uuid.UUID) -> None:
        """Moving window in the limiter's storage (Redis in production), keyed by the key id."""
        item = parse(self.conf.API_KEY_RATE_LIMIT)
        strategy = self.limiter
        if not strategy.hit(item, "api-key", str(api_key_id)):
            reset_at, _ = strategy.get_window_stats(item, "api-key", str(api_key_id))
            retry_after = max(1, int(reset_at - datetime.now(UTC).timestamp()) + 1)
            raise TooManyRequestsException(f"rate limit exceeded for this API key ({self.conf.API_KEY_RATE_LIMIT})",
                                           retry_after=retry_after)

    def touch(self, api_key: ApiKey) -> None:
        """Write last_used_at at most once per interval per key (a Redis NX marker gates it)."""
        interval = self.conf.API_KEY_LAST_USED_INTERVAL_SECONDS
        now = datetime.now(UTC)
        if api_key.last_used_at is not None and api_key.last_used_at > now - timedelta(seconds=interval):
            return
        if not self.redis.set(f"api-key:touched:{api_key.id}", 1, ex=max(1, interval), nx=True):
            return
        with self.db.auto_commit():
            self.db.session.execute(update(ApiKey).where(ApiKey.id == api_key.id).values(last_used_at=now, updated_at=ApiKey.updated_at)
                                    .execution_options(synchronize_session=False))

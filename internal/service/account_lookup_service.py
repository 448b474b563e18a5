"""Resolves the caller on every authenticated request; kept small because it is on the hot path."""
from __future__ import annotations

import uuid
from dataclasses import dataclass

from injector import inject
from redis import Redis
from sqlalchemy import select

from internal.exception import UnauthorizedException
from internal.model.account import Account
from internal.model.api_key import ApiKey
from internal.model.revoked_token import RevokedToken
from internal.service.jwt_service import REVOKED_MESSAGE
from pkg.redis_tracking import KeyReader
from pkg.secret_token import hash_secret
from pkg.sqlalchemy import SQLAlchemy

API_KEY_EPOCH = "api-key:epoch"


@inject
@dataclass
class AccountLookupService:
    db: SQLAlchemy
    redis: Redis
    hot_keys: KeyReader

    def get_active(self, account_id: uuid.UUID) -> Account:
        account = self.db.session.get(Account, account_id)
        if account is None:
            raise UnauthorizedException("account not found")
        return account

    def get_active_for_token(self, account_id: uuid.UUID, jti: str) -> Account:
        """The account of a console token and whether the token was revoked, in one query."""
        revoked = select(RevokedToken.jti).where(RevokedToken.jti == jti).exists()
        row = self.db.session.execute(select(Account, revoked).where(Account.id == account_id)).first()
        if row is None:
            raise UnauthorizedException("account not found")
        if row[1]:
            raise UnauthorizedException(REVOKED_MESSAGE)
        return row[0]

    def authenticate_api_key(self, raw_key: str) -> ApiKey:
        api_key = self.db.session.scalar(select(ApiKey).where(ApiKey.key_hash == hash_secret(raw_key)))
        if api_key is None:
            raise UnauthorizedException("invalid API key")
        if not api_key.is_active:
            raise UnauthorizedException("API key is disabled")
        return api_key

    def api_key_epoch(self) -> int:
        """Bumped after every API-key update or delete (ApiKeyService). A cache of authenticated
        keys (e.g. the /v1 gateway's) must read this BEFORE authenticating and treat an entry as
        valid only while the epoch is unchanged, so disabling/deleting a key takes effect at once.

        Read through Redis client-side caching (`pkg.redis_tracking`): no round trip while the
        epoch is unchanged; a bump is pushed to every process before the bumping request answers
        (ApiKeyService._invalidate_caches waits for that)."""
        return int(self.hot_keys.get(API_KEY_EPOCH) or 0)

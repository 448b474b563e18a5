"""JWT access tokens: HS256, expiry, a jti per token so logout can revoke it server-side."""
from __future__ import annotations

import secrets
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

import jwt
from injector import inject
from sqlalchemy import delete

from config import Config
from internal.exception import UnauthorizedException
from internal.model.revoked_token import RevokedToken
from pkg.sqlalchemy import SQLAlchemy

ISSUER = "llmops"


@dataclass(frozen=True)
class IssuedToken:
    access_token: str
    expire_at: int  # UNIX seconds


@dataclass(frozen=True)
class TokenClaims:
    account_id: uuid.UUID
    jti: str
    expire_at: int
    issued_at_ms: int = 0  # UNIX milliseconds (claim `iat_ms`, else `iat`), for Account.tokens_valid_after
    password_auth: bool = False  # issued by a password login (claim `amr: ["pwd"]`, RFC 8176)

    def reauthenticated_within(self, seconds: int, now_ms: int | None = None) -> bool:
        """A password login at most `seconds` ago: may change the password without the old one."""
        now_ms = int(time.time() * 1000) if now_ms is None else now_ms
        return self.password_auth and 0 <= now_ms - self.issued_at_ms <= seconds * 1000


REVOKED_MESSAGE = "access token revoked, please log in again"


@inject
@dataclass
class JwtService:
    conf: Config
    db: SQLAlchemy

    def issue(self, account_id: uuid.UUID, password_auth: bool = False) -> IssuedToken:
        now_ms = int(time.time() * 1000)
        now = now_ms // 1000
        expire_at = now + self.conf.JWT_EXPIRES_SECONDS
        payload = {"sub": str(account_id), "iat": now, "iat_ms": now_ms, "exp": expire_at, "iss": ISSUER,
                   "jti": secrets.token_hex(16)}
        if password_auth:
            payload["amr"] = ["pwd"]
        return IssuedToken(jwt.encode(payload, self.conf.SECRET_KEY, algorithm="HS256"), expire_at)

    def verify(self, token: str) -> TokenClaims:
        """Signature, expiry, issuer and revocation; any failure is 'unauthorized'."""
        claims = self.decode(token)
        if self.db.session.get(RevokedToken, claims.jti) is not None:
            raise UnauthorizedException(REVOKED_MESSAGE)
        return claims

    def decode(self, token: str) -> TokenClaims:
        """Signature, expiry and issuer, without the revocation check (the request loader reads
        revocation and the account in one query: AccountLookupService.get_active_for_token)."""
        try:
            payload = jwt.decode(token, self.conf.SECRET_KEY, algorithms=["HS256"], issuer=ISSUER,
                                 options={"require": ["sub", "exp", "jti", "iss"]})
            issued_at_ms = int(payload.get("iat_ms") or int(payload.get("iat") or 0) * 1000)
            password_auth = "pwd" in (payload.get("amr") or [])
            claims = TokenClaims(uuid.UUID(payload["sub"]), str(payload["jti"]), int(payload["exp"]), issued_at_ms,
                                 password_auth)
        except jwt.ExpiredSignatureError:
            raise UnauthorizedException("login expired, please log in again") from None
        except (jwt.InvalidTokenError, ValueError, KeyError):
            raise UnauthorizedException("invalid access token") from None
        return claims

    def revoke(self, claims: TokenClaims) -> None:
        """Called inside the caller's transaction."""
        if self.db.session.get(RevokedToken, claims.jti) is None:
            self.db.session.add(RevokedToken(jti=claims.jti,
                                             expires_at=datetime.fromtimestamp(claims.expire_at, UTC)))

    def purge_expired(self) -> int:
        with self.db.auto_commit():
            result = self.db.session.execute(delete(RevokedToken).where(
                RevokedToken.expires_at < datetime.now(UTC)))
        return result.rowcount or 0

"""Password login with throttling, and logout (server-side revocation of the JWT)."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass

from injector import inject
from redis import Redis

from config import Config
from internal.exception import FailException, TooManyRequestsException
from internal.schema.auth_schema import normalise_email
from internal.service.account_service import AccountService
from internal.service.jwt_service import IssuedToken, JwtService, TokenClaims
from pkg.password import verify_password
from pkg.sqlalchemy import SQLAlchemy

WRONG_CREDENTIALS = "account or password is incorrect"


@inject
@dataclass
class LoginThrottle:
    """Failed-login counters in Redis, per account (e-mail, hashed) and per client IP.

    Counters exist for unknown e-mails too, so a throttled answer says nothing about whether
    the account exists. A successful login clears the account counter, never the IP counter.
    """

    conf: Config
    redis: Redis

    def _keys(self, email: str, ip: str) -> tuple[str, str]:
        digest = hashlib.sha256(email.encode("utf-8")).hexdigest()
        return f"login:fail:email:{digest}", f"login:fail:ip:{ip or 'unknown'}"

    def check(self, email: str, ip: str) -> None:
        email_key, ip_key = self._keys(email, ip)
        pipe = self.redis.pipeline()
        pipe.get(email_key).ttl(email_key).get(ip_key).ttl(ip_key)
        email_count, email_ttl, ip_count, ip_ttl = pipe.execute()
        waits = []
        if int(email_count or 0) >= self.conf.LOGIN_MAX_FAILURES:
            waits.append(email_ttl)
        if int(ip_count or 0) >= self.conf.LOGIN_MAX_FAILURES_PER_IP:
            waits.append(ip_ttl)
        if waits:
            wait = max(int(w) if w and int(w) > 0 else self.conf.LOGIN_FAILURE_WINDOW_SECONDS for w in waits)
            raise TooManyRequestsException(
                f"too many failed login attempts, please try again in {wait} seconds", retry_after=wait)

    def record_failure(self, email: str, ip: str) -> None:
        window = self.conf.LOGIN_FAILURE_WINDOW_SECONDS
        pipe = self.redis.pipeline()
        for key in self._keys(email, ip):
            pipe.set(key, 0, ex=window, nx=True)  # the window starts at the first failure
            pipe.incr(key)
        pipe.execute()

    def reset_account(self, email: str, ip: str) -> None:
        self.redis.delete(self._keys(email, ip)[0])


@inject
@dataclass
class AuthService:
    db: SQLAlchemy
    accounts: AccountService
    jwt_service: JwtService
    throttle: LoginThrottle

    def password_login(self, email: str, password: str, ip: str) -> IssuedToken:
        email = normalise_email(email)
        self.throttle.check(email, ip)
        account = self.accounts.find_by_email(email)
        # Unknown e-mails and OAuth-only accounts still pay for one hash verification.
        if not verify_password(password, account.password_hash if account else None) or account is None:
            self.throttle.record_failure(email, ip)
            raise FailException(WRONG_CREDENTIALS)
        self.throttle.reset_account(email, ip)
        return self.accounts.record_login(account, ip, password=password)

    def logout(self, claims: TokenClaims) -> None:
        with self.db.auto_commit():
            self.jwt_service.revoke(claims)

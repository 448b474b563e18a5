"""Throttle of password guesses (login, and the old password of a password change).

Counters live in Redis (fakeredis in the embedded default), per account (e-mail, hashed) and
per client IP. Check-and-count is one atomic step (issue 9, F8): an attempt is counted BEFORE
the password is verified (MULTI/EXEC of SET NX + INCR), and proceeds only if its own count is
within the limit, so N parallel guesses see N distinct counts and at most the limit of them
reach the password check. A correct password then takes its attempt back.

Counters exist for unknown e-mails too, so a throttled answer says nothing about whether the
account exists. A successful login clears the account counter and returns its IP attempt.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass

from injector import inject
from redis import Redis

from config import Config
from internal.exception import TooManyRequestsException


@inject
@dataclass
class LoginThrottle:
    conf: Config
    redis: Redis

    def _keys(self, email: str, ip: str) -> tuple[str, str]:
        digest = hashlib.sha256(email.encode("utf-8")).hexdigest()
        return f"login:fail:email:{digest}", f"login:fail:ip:{ip or 'unknown'}"

    def attempt(self, email: str, ip: str) -> None:
        """Count one guess; raise TooManyRequests when it is over either limit."""
        window = self.conf.LOGIN_FAILURE_WINDOW_SECONDS
        email_key, ip_key = self._keys(email, ip)
        pipe = self.redis.pipeline(transaction=True)
        for key in (email_key, ip_key):
            pipe.set(key, 0, ex=window, nx=True)  # the window starts at the first attempt
            pipe.incr(key)
        pipe.ttl(email_key).ttl(ip_key)
        _, email_count, _, ip_count, email_ttl, ip_ttl = pipe.execute()
        waits = []
        if int(email_count) > self.conf.LOGIN_MAX_FAILURES:
            waits.append(email_ttl)
        if int(ip_count) > self.conf.LOGIN_MAX_FAILURES_PER_IP:
            waits.append(ip_ttl)
        if waits:
            wait = max(int(w) if w and int(w) > 0 else window for w in waits)
            raise TooManyRequestsException(
                f"too many failed login attempts, please try again in {wait} seconds", retry_after=wait)

    def succeeded(self, email: str, ip: str) -> None:
        """The guess was right: clear the account counter, give the IP its attempt back."""
        email_key, ip_key = self._keys(email, ip)
        pipe = self.redis.pipeline(transaction=True)
        pipe.delete(email_key).decr(ip_key).ttl(ip_key)
        _, _, ip_ttl = pipe.execute()
        if int(ip_ttl) == -1:  # the window ended meanwhile: DECR made a key without expiry
            self.redis.delete(ip_key)

"""Password login with throttling (login_throttle.py), and logout (server-side revocation of the JWT)."""
from __future__ import annotations

from dataclasses import dataclass

from injector import inject

from internal.exception import FailException
from internal.schema.auth_schema import normalise_email
from internal.service.account_service import AccountService
from internal.service.jwt_service import IssuedToken, JwtService, TokenClaims
from internal.service.login_throttle import LoginThrottle
from pkg.password import verify_password
from pkg.sqlalchemy import SQLAlchemy

WRONG_CREDENTIALS = "account or password is incorrect"


@inject
@dataclass
class AuthService:
    db: SQLAlchemy
    accounts: AccountService
    jwt_service: JwtService
    throttle: LoginThrottle

    def password_login(self, email: str, password: str, ip: str) -> IssuedToken:
        email = normalise_email(email)
        self.throttle.attempt(email, ip)  # counted before the check: parallel guesses cannot slip by
        account = self.accounts.find_by_email(email)
        # Unknown e-mails and OAuth-only accounts still pay for one hash verification.
        if not verify_password(password, account.password_hash if account else None) or account is None:
            raise FailException(WRONG_CREDENTIALS)
        self.throttle.succeeded(email, ip)
        return self.accounts.record_login(account, ip, password=password)

    def logout(self, claims: TokenClaims) -> None:
        with self.db.auto_commit():
            self.jwt_service.revoke(claims)

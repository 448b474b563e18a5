"""Accounts: creation (CLI, first-run, registration), profile updates, password changes, and
the bookkeeping shared by every successful sign-in."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from injector import inject
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from config import Config
from internal.exception import (
    ConflictException,
    FailException,
    ForbiddenException,
    NotFoundException,
    ValidateErrorException,
)
from internal.model.account import Account
from internal.schema.auth_schema import check_email, check_new_password, normalise_email
from internal.service.jwt_service import IssuedToken, JwtService, TokenClaims
from internal.service.login_throttle import LoginThrottle
from pkg.password import hash_password, needs_rehash, verify_password
from pkg.sqlalchemy import SQLAlchemy


class AccountExistsError(ConflictException):
    default_message = "an account with this e-mail already exists"


@inject
@dataclass
class AccountService:
    db: SQLAlchemy
    conf: Config
    jwt_service: JwtService
    throttle: LoginThrottle

    # --- creation -------------------------------------------------------------------------
    def create_account(self, email: str, password: str | None, name: str = "") -> Account:
        """Create a password account. Duplicate e-mail → AccountExistsError (nothing written).

        Used by `flask account create`, the first-run setup of `make dev` and registration.
        `password=None` creates an account that can only sign in through OAuth.
        """
        try:
            email = check_email(email)
            if password is not None:
                check_new_password(password)
        except ValueError as exc:
            raise ValidateErrorException(str(exc)) from exc
        name = (name or "").strip()[:100] or email.split("@")[0]
        if self.find_by_email(email) is not None:
            raise AccountExistsError() from None
        account = Account(email=email, name=name, password_hash=hash_password(password) if password else None)
        try:
            with self.db.auto_commit():
                self.db.session.add(account)
        except IntegrityError:  # a concurrent create won the race on the unique e-mail
            raise AccountExistsError() from None
        return account

    def register(self, email: str, password: str, name: str, ip: str) -> IssuedToken:
        if not self.conf.REGISTRATION_ENABLED:
            raise ForbiddenException("registration is disabled on this server")
        account = self.create_account(email, password, name)
        return self.record_login(account, ip)

    def find_by_email(self, email: str) -> Account | None:
        return self.db.session.scalar(select(Account).where(func.lower(Account.email) == email.strip().lower()))

    def reset_password(self, email: str, password: str) -> Account:
        """Operator reset (`flask account reset-password`): no old password; signs out every token."""
        try:
            check_new_password(password)
        except ValueError as exc:
            raise ValidateErrorException(str(exc)) from exc
        account = self.find_by_email(email)
        if account is None:
            raise NotFoundException("no account with this e-mail")
        with self.db.auto_commit():
            account.password_hash = hash_password(password)
            account.tokens_valid_after = datetime.now(UTC)
            account.tokens_kept_jti = None
        return account

    # --- sign-in bookkeeping --------------------------------------------------------------
    def record_login(self, account: Account, ip: str, password: str | None = None) -> IssuedToken:
        with self.db.auto_commit():
            account.last_login_at = datetime.now(UTC)
            account.last_login_ip = (ip or "")[:64]
            if password and account.password_hash and needs_rehash(account.password_hash):
                account.password_hash = hash_password(password)
        return self.jwt_service.issue(account.id, password_auth=bool(password))

    # --- profile --------------------------------------------------------------------------
    def update_name(self, account: Account, name: str) -> Account:
        with self.db.auto_commit():
            account.name = name
        return account

    def update_avatar(self, account: Account, avatar: str) -> Account:
        with self.db.auto_commit():
            account.avatar = avatar
        return account

    def update_password(self, account: Account, password: str, old_password: str | None,
                        claims: TokenClaims | None = None, ip: str = "") -> IssuedToken:
        """Changing a set password needs either the old one (guesses throttled like logins: a stolen
        session cannot brute-force it) or a token from a password login at most
        PASSWORD_REAUTH_WINDOW_SECONDS old — llmops-ui's account dialog sends only `{password}`.
        OAuth-only accounts set a first password freely.

        Every other token issued before the change stops working (other sessions are signed out);
        the token that made the change (`claims`) stays valid, and the caller also gets a fresh one.
        """
        if account.password_hash and not old_password:
            window = self.conf.PASSWORD_REAUTH_WINDOW_SECONDS
            if claims is None or not claims.reauthenticated_within(window):
                raise FailException("for your security, sign in again with your password to change it, "
                                    "or give old_password")
        elif account.password_hash:
            self.throttle.attempt(normalise_email(account.email), ip)
            if not verify_password(old_password, account.password_hash):
                raise FailException("the current password is incorrect")
            self.throttle.succeeded(normalise_email(account.email), ip)
        with self.db.auto_commit():
            account.password_hash = hash_password(password)
            account.tokens_valid_after = datetime.now(UTC)
            account.tokens_kept_jti = claims.jti if claims is not None else None
        return self.jwt_service.issue(account.id)

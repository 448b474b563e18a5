"""Sign-in through OAuth providers (GitHub now; any OAuth2/OIDC provider fits pkg.oauth).

Flow and policies (docs/auth.md):
- `start()` makes a random `state`, keeps it in Redis with a TTL (single use, bound to the
  provider) and returns the authorization URL; the handler also puts the state in an HttpOnly
  cookie, which binds the flow to the browser that started it.
- `authorize()` requires the state (cookie, and the body's if sent, must agree), consumes it,
  exchanges the code, and reads the identity. Provider tokens are never stored.
- Only verified e-mails count. An identity already linked signs in to its account; otherwise a
  verified e-mail that matches an existing account is linked only when
  OAUTH_LINK_EXISTING_ACCOUNTS is true (default: refused); a new e-mail creates an account.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass

from injector import inject
from redis import Redis
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from config import Config
from internal.exception import FailException, ForbiddenException, NotFoundException
from internal.model.account import Account
from internal.model.account_oauth import AccountOAuth
from internal.service.account_service import AccountService
from internal.service.jwt_service import IssuedToken
from pkg.oauth import GitHubProvider, OAuthError, OAuthProvider, OAuthSettings, OAuthUserInfo
from pkg.sqlalchemy import SQLAlchemy

STATE_PREFIX = "oauth:state:"


class OAuthStateError(FailException):
    default_message = "invalid OAuth state, please start the sign-in again"


@inject
@dataclass
class OAuthService:
    db: SQLAlchemy
    conf: Config
    redis: Redis
    accounts: AccountService

    # --- providers --------------------------------------------------------------------
    def provider(self, name: str) -> OAuthProvider:
        conf = self.conf
        if name == "github" and conf.OAUTH_GITHUB_CLIENT_ID and conf.OAUTH_GITHUB_CLIENT_SECRET:
            return GitHubProvider(OAuthSettings(
                client_id=conf.OAUTH_GITHUB_CLIENT_ID, client_secret=conf.OAUTH_GITHUB_CLIENT_SECRET,
                redirect_uri=conf.OAUTH_GITHUB_REDIRECT_URI, authorize_url=conf.OAUTH_GITHUB_AUTHORIZE_URL,
                token_url=conf.OAUTH_GITHUB_TOKEN_URL, api_base=conf.OAUTH_GITHUB_API_BASE,
                timeout=conf.OAUTH_TIMEOUT_SECONDS))
        raise NotFoundException("this OAuth provider is not configured")

    # --- step 1: where to send the browser ----------------------------------------------
    def start(self, provider_name: str) -> tuple[str, str]:
        """Returns (authorization URL, state)."""
        provider = self.provider(provider_name)
        state = secrets.token_urlsafe(32)
        self.redis.set(STATE_PREFIX + state, provider.name, ex=self.conf.OAUTH_STATE_TTL_SECONDS)
        return provider.authorization_url(state), state

    # --- step 2: the provider sent the browser back with a code -------------------------
    def authorize(self, provider_name: str, code: str, body_state: str | None, cookie_state: str | None,
                  ip: str) -> IssuedToken:
        provider = self.provider(provider_name)
        self._consume_state(provider.name, body_state, cookie_state)
        try:
            info = provider.user_info(provider.exchange_code(code))
        except OAuthError as exc:
            raise FailException(f"{provider.name} sign-in failed: {exc}") from exc
        account = self._account_for(info)
        return self.accounts.record_login(account, ip)

    def _consume_state(self, provider_name: str, body_state: str | None, cookie_state: str | None) -> None:
        if not cookie_state:
            # The cookie binds the flow to this browser; without it anyone's state would do.
            raise OAuthStateError("missing OAuth state, please start the sign-in again")
        if body_state and not secrets.compare_digest(body_state, cookie_state):
            raise OAuthStateError("OAuth state mismatch, please start the sign-in again")
        stored = self.redis.getdel(STATE_PREFIX + cookie_state)
        if stored != provider_name:
            raise OAuthStateError("OAuth state is invalid or expired, please start the sign-in again")

    def _account_for(self, info: OAuthUserInfo) -> Account:
        identity = self.db.session.scalar(select(AccountOAuth).where(
            AccountOAuth.provider == info.provider, AccountOAuth.openid == info.openid))
        if identity is not None:
            account = self.db.session.get(Account, identity.account_id)
            if account is not None:
                return account
        if not info.email:
            raise FailException(f"your {info.provider} account has no verified e-mail address; "
                                "verify one with the provider and try again")
        account = self.accounts.find_by_email(info.email)
        if account is not None and not self.conf.OAUTH_LINK_EXISTING_ACCOUNTS:
            raise ForbiddenException("an account with this e-mail already exists; sign in with its password")
        try:
            with self.db.auto_commit():
                if account is None:
                    avatar = info.avatar if info.avatar.startswith(("https://", "http://")) else ""
                    account = Account(email=info.email, name=(info.name or info.email.split("@")[0])[:100],
                                      avatar=avatar[:500], password_hash=None)
                    self.db.session.add(account)
                    self.db.session.flush()
                self.db.session.add(AccountOAuth(account_id=account.id, provider=info.provider,
                                                 openid=info.openid))
        except IntegrityError:  # a concurrent first sign-in with the same identity or e-mail
            raise FailException("sign-in conflicted with another one in progress, please try again") from None
        return account

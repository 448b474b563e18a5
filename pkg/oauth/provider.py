from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import httpx


class OAuthError(Exception):
    """The provider refused or failed; the message is safe to show to the user."""


@dataclass(frozen=True)
class OAuthSettings:
    client_id: str
    client_secret: str
    redirect_uri: str
    authorize_url: str
    token_url: str
    api_base: str = ""          # GitHub: https://api.github.com
    userinfo_url: str = ""      # OIDC: the userinfo endpoint
    scope: str = ""
    timeout: float = 10.0


@dataclass(frozen=True)
class OAuthUserInfo:
    provider: str
    openid: str                  # the provider's stable user id (never the e-mail)
    name: str
    email: str | None            # a VERIFIED e-mail, or None when the provider has none
    avatar: str = ""
    raw: dict[str, Any] = field(default_factory=dict, repr=False)


class OAuthProvider(ABC):
    name: str = ""
    default_scope: str = ""

    def __init__(self, settings: OAuthSettings, *, transport: httpx.BaseTransport | None = None):
        self.settings = settings
        self._transport = transport

    # --- the three steps of the authorization-code flow --------------------------------
    def authorization_url(self, state: str) -> str:
        query = {"client_id": self.settings.client_id, "redirect_uri": self.settings.redirect_uri,
                 "response_type": "code", "scope": self.settings.scope or self.default_scope, "state": state}
        separator = "&" if "?" in self.settings.authorize_url else "?"
        return self.settings.authorize_url + separator + urlencode(query)

    def exchange_code(self, code: str) -> str:
        """Trade the authorization code for an access token (used once, never stored)."""
        data = {"grant_type": "authorization_code", "code": code, "client_id": self.settings.client_id,
                "client_secret": self.settings.client_secret, "redirect_uri": self.settings.redirect_uri}
        payload = self._request("POST", self.settings.token_url, data=data)
        token = payload.get("access_token") if isinstance(payload, dict) else None
        if not token or not isinstance(token, str):
            # GitHub answers 200 with {"error": "bad_verification_code", ...}
            raise OAuthError("the authorization code was rejected by the provider")
        return token

    @abstractmethod
    def user_info(self, access_token: str) -> OAuthUserInfo: ...

    # --- HTTP -------------------------------------------------------------------------
    def _client(self) -> httpx.Client:
        return httpx.Client(timeout=httpx.Timeout(self.settings.timeout), follow_redirects=False,
                            transport=self._transport, headers={"Accept": "application/json",
                                                                "User-Agent": "llmops-oauth"})

    def _request(self, method: str, url: str, *, token: str | None = None, **kwargs) -> Any:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        try:
            with self._client() as client:
                response = client.request(method, url, headers=headers, **kwargs)
        except httpx.HTTPError as exc:
            raise OAuthError(f"{self.name} could not be reached") from exc
        if response.status_code >= 400:
            raise OAuthError(f"{self.name} answered HTTP {response.status_code}")
        try:
            return response.json()
        except ValueError as exc:
            raise OAuthError(f"{self.name} answered with invalid JSON") from exc


class GitHubProvider(OAuthProvider):
    """GitHub OAuth apps. The e-mail comes from /user/emails and must be `verified`."""

    name = "github"
    default_scope = "read:user user:email"

    def user_info(self, access_token: str) -> OAuthUserInfo:
        base = self.settings.api_base.rstrip("/")
        user = self._request("GET", f"{base}/user", token=access_token)
        if not isinstance(user, dict) or user.get("id") is None:
            raise OAuthError("github returned no user id")
        emails = self._request("GET", f"{base}/user/emails", token=access_token)
        return OAuthUserInfo(provider=self.name, openid=str(user["id"]),
                             name=str(user.get("name") or user.get("login") or ""),
                             email=_verified_email(emails), avatar=str(user.get("avatar_url") or ""), raw=user)


def _verified_email(emails: Any) -> str | None:
    """The primary verified address, else any verified one; unverified addresses never count."""
    if not isinstance(emails, list):
        return None
    verified = [e for e in emails if isinstance(e, dict) and e.get("verified") is True and e.get("email")]
    primary = [e for e in verified if e.get("primary") is True]
    chosen = (primary or verified or [None])[0]
    return str(chosen["email"]).strip().lower() if chosen else None


class GenericOIDCProvider(OAuthProvider):
    """Any OpenID Connect provider: the userinfo endpoint's `sub`, `email`, `email_verified`."""

    default_scope = "openid email profile"

    def __init__(self, name: str, settings: OAuthSettings, **kwargs):
        super().__init__(settings, **kwargs)
        self.name = name

    def user_info(self, access_token: str) -> OAuthUserInfo:
        info = self._request("GET", self.settings.userinfo_url, token=access_token)
        if not isinstance(info, dict) or not info.get("sub"):
            raise OAuthError(f"{self.name} returned no subject")
        email = info.get("email") if info.get("email_verified") is True else None
        return OAuthUserInfo(provider=self.name, openid=str(info["sub"]),
                             name=str(info.get("name") or info.get("preferred_username") or ""),
                             email=str(email).strip().lower() if email else None,
                             avatar=str(info.get("picture") or ""), raw=info)

"""OAuth 2.0 sign-in providers: one abstract shape (authorize URL, code exchange, user info),
GitHub and a generic OpenID Connect provider.

All endpoint URLs come from the caller (config), so tests point them at a local fake server.
Only e-mail addresses the provider marks as verified are ever returned.
"""
from .provider import (
    GenericOIDCProvider,
    GitHubProvider,
    OAuthError,
    OAuthProvider,
    OAuthSettings,
    OAuthUserInfo,
)

__all__ = ["GenericOIDCProvider", "GitHubProvider", "OAuthError", "OAuthProvider", "OAuthSettings",
           "OAuthUserInfo"]

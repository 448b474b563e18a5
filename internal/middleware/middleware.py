"""Per-surface authentication for Flask-Login's request loader.

Console routes take `Authorization: Bearer <JWT>`; the third-party and OpenAI-compatible
surfaces take `Authorization: Bearer <API key>` (see ApiKeyService.authenticate).
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import Request, g
from injector import inject
from werkzeug.wrappers import Request as BaseRequest

from internal.entity.surface import Surface, surface_for
from internal.exception import UnauthorizedException
from internal.model.account import Account
from internal.service.account_lookup_service import AccountLookupService
from internal.service.api_key_service import ApiKeyUsageService
from internal.service.jwt_service import JwtService


def bearer_token(request: BaseRequest) -> str:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if not header:
        raise UnauthorizedException("missing Authorization header")
    if scheme.lower() != "bearer" or not token.strip():
        raise UnauthorizedException("Authorization must be 'Bearer <token>'")
    return token.strip()


@inject
@dataclass
class Middleware:
    jwt_service: JwtService
    accounts: AccountLookupService
    api_key_usage: ApiKeyUsageService

    def request_loader(self, request: Request) -> Account | None:
        surface = surface_for(request.blueprint, request.path)
        if surface is Surface.CONSOLE:
            claims = self.jwt_service.decode(bearer_token(request))
            account = self.accounts.get_active_for_token(claims.account_id, claims.jti)
            if claims.issued_at_ms < account.tokens_not_before_ms and claims.jti != account.tokens_kept_jti:
                raise UnauthorizedException("the password was changed, please log in again")
            g.token_claims = claims
            return account
        if surface in (Surface.OPENAPI, Surface.OPENAI):
            api_key = self.accounts.authenticate_api_key(bearer_token(request))
            account = self.accounts.get_active(api_key.account_id)
            # Per-key rate limit (429 + Retry-After), then a throttled last_used_at write.
            self.api_key_usage.check_rate_limit(api_key.id)
            self.api_key_usage.touch(api_key)
            g.api_key = api_key
            return account
        return None

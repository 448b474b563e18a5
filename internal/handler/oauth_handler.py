from __future__ import annotations

from dataclasses import dataclass

from flask import request
from injector import inject

from config import Config
from internal.schema.auth_schema import CredentialResp
from internal.schema.oauth_schema import AuthorizeReq, ProviderResp
from internal.service.oauth_service import OAuthService
from pkg.response import success_json

from .validation import validate

STATE_COOKIE = "llmops_oauth_state"
# "/" rather than "/oauth": behind a reverse proxy the API may live under a prefix (e.g. /api).
COOKIE_PATH = "/"


@inject
@dataclass
class OAuthHandler:
    oauth_service: OAuthService
    conf: Config

    @validate(response=ProviderResp)
    def provider(self, provider_name: str):
        """The provider's authorization URL; the `state` also goes into an HttpOnly cookie."""
        redirect_url, state = self.oauth_service.start(provider_name)
        response = success_json({"redirect_url": redirect_url})
        response.set_cookie(STATE_COOKIE, state, max_age=self.conf.OAUTH_STATE_TTL_SECONDS, path=COOKIE_PATH,
                            httponly=True, samesite="Lax", secure=request.is_secure)
        return response

    @validate(body=AuthorizeReq, response=CredentialResp)
    def authorize(self, provider_name: str, req: AuthorizeReq):
        """Exchange the provider's code (state checked) for our access token."""
        token = self.oauth_service.authorize(provider_name, req.code, req.state, request.cookies.get(STATE_COOKIE),
                                             request.remote_addr or "")
        response = success_json({"access_token": token.access_token, "expire_at": token.expire_at})
        response.delete_cookie(STATE_COOKIE, path=COOKIE_PATH)
        return response

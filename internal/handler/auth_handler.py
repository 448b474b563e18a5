from __future__ import annotations

from dataclasses import dataclass

from flask import g, request
from flask_login import login_required
from injector import inject

from internal.schema.auth_schema import CredentialResp, PasswordLoginReq, RegisterReq
from internal.service.account_service import AccountService
from internal.service.auth_service import AuthService
from pkg.response import success_json, success_message

from .validation import validate


def _credential(token) -> dict:
    return CredentialResp(access_token=token.access_token, expire_at=token.expire_at).model_dump()


@inject
@dataclass
class AuthHandler:
    auth_service: AuthService
    account_service: AccountService

    @validate(body=PasswordLoginReq, response=CredentialResp)
    def password_login(self, req: PasswordLoginReq):
        """Sign in with e-mail and password; returns the JWT and its expiry (UNIX seconds)."""
        token = self.auth_service.password_login(req.email, req.password, request.remote_addr or "")
        return success_json(_credential(token))

    @validate(body=RegisterReq, response=CredentialResp)
    def register(self, req: RegisterReq):
        """Create an account and sign in (only when REGISTRATION_ENABLED)."""
        token = self.account_service.register(req.email, req.password, req.name, request.remote_addr or "")
        return success_json(_credential(token))

    @login_required
    def logout(self):
        """Revoke the presented access token server-side."""
        self.auth_service.logout(g.token_claims)
        return success_message("logged out")

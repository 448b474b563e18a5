from __future__ import annotations

from dataclasses import dataclass

from flask import g, request
from flask_login import current_user, login_required
from injector import inject

from internal.model.account import Account
from internal.schema.account_schema import AccountResp, UpdateAvatarReq, UpdateNameReq, UpdatePasswordReq
from internal.schema.auth_schema import unix_seconds
from internal.service.account_service import AccountService
from pkg.response import HttpCode, json, success_json, success_message

from .validation import validate


def dump_account(account: Account) -> dict:
    return AccountResp(id=str(account.id), name=account.name, email=account.email, avatar=account.avatar,
                       last_login_at=unix_seconds(account.last_login_at), last_login_ip=account.last_login_ip,
                       created_at=unix_seconds(account.created_at),
                       is_password_set=account.is_password_set).model_dump()


@inject
@dataclass
class AccountHandler:
    account_service: AccountService

    @login_required
    @validate(response=AccountResp)
    def get_current_user(self):
        """The signed-in account."""
        return success_json(dump_account(current_user))

    @login_required
    @validate(body=UpdateNameReq)
    def update_name(self, req: UpdateNameReq):
        self.account_service.update_name(current_user, req.name)
        return success_message("name updated")

    @login_required
    @validate(body=UpdateAvatarReq)
    def update_avatar(self, req: UpdateAvatarReq):
        self.account_service.update_avatar(current_user, req.avatar)
        return success_message("avatar updated")

    @login_required
    @validate(body=UpdatePasswordReq)
    def update_password(self, req: UpdatePasswordReq):
        """Change the password; `old_password` is required when a password is already set."""
        token = self.account_service.update_password(current_user, req.password, req.old_password,
                                                     g.get("token_claims"), request.remote_addr or "")
        # Other sessions are signed out; this caller may continue with the fresh token.
        return json(HttpCode.SUCCESS, "password updated, please log in again on other devices",
                    {"access_token": token.access_token, "expire_at": token.expire_at})

from __future__ import annotations

import uuid
from dataclasses import dataclass

from flask import g
from flask_login import current_user, login_required
from injector import inject

from internal.model.api_key import ApiKey
from internal.schema.api_key_schema import (
    ApiKeyResp,
    CreateApiKeyReq,
    GetApiKeysWithPageReq,
    UpdateApiKeyIsActiveReq,
    UpdateApiKeyReq,
    WhoAmIResp,
)
from internal.schema.auth_schema import unix_seconds
from internal.service.api_key_service import ApiKeyService
from pkg.paginator import page_data
from pkg.response import HttpCode, json, success_json, success_message

from .validation import validate


def dump_api_key(api_key: ApiKey, full_key: str | None = None) -> dict:
    return ApiKeyResp(id=str(api_key.id), api_key=full_key or api_key.masked_key, is_active=api_key.is_active,
                      remark=api_key.remark, last_used_at=unix_seconds(api_key.last_used_at),
                      updated_at=unix_seconds(api_key.updated_at),
                      created_at=unix_seconds(api_key.created_at)).model_dump()


@inject
@dataclass
class ApiKeyHandler:
    api_key_service: ApiKeyService

    @login_required
    @validate(query=GetApiKeysWithPageReq, response=ApiKeyResp)
    def get_api_keys_with_page(self, query: GetApiKeysWithPageReq):
        """The account's API keys, masked, newest first."""
        rows, paginator = self.api_key_service.get_api_keys_with_page(current_user.id, query)
        return success_json(page_data(rows, paginator, dump_api_key))

    @login_required
    @validate(body=CreateApiKeyReq, response=ApiKeyResp)
    def create_api_key(self, req: CreateApiKeyReq):
        """Create a key; `data.api_key` is the full key, shown only in this response."""
        api_key, raw = self.api_key_service.create_api_key(current_user.id, req.is_active, req.remark)
        # llmops-ui shows only `message` after creating a key (and lists keys masked), so the
        # full key travels there too: it is the only moment the user can copy it.
        return json(HttpCode.SUCCESS, f"API key created; copy it now, it will not be shown again: {raw}",
                    dump_api_key(api_key, full_key=raw))

    @login_required
    @validate(body=UpdateApiKeyReq)
    def update_api_key(self, api_key_id: uuid.UUID, req: UpdateApiKeyReq):
        self.api_key_service.update_api_key(current_user.id, api_key_id, is_active=req.is_active,
                                            remark=req.remark)
        return success_message("API key updated")

    @login_required
    @validate(body=UpdateApiKeyIsActiveReq)
    def update_api_key_is_active(self, api_key_id: uuid.UUID, req: UpdateApiKeyIsActiveReq):
        self.api_key_service.update_api_key(current_user.id, api_key_id, is_active=req.is_active)
        return success_message("API key updated")

    @login_required
    def delete_api_key(self, api_key_id: uuid.UUID):
        self.api_key_service.delete_api_key(current_user.id, api_key_id)
        return success_message("API key deleted")

    @login_required
    @validate(response=WhoAmIResp)
    def whoami(self):
        """Third-party surface: which account and key this API key authenticates as."""
        return {"account_id": str(current_user.id), "api_key_id": str(g.api_key.id)}

"""API tool providers: a pasted OpenAPI document becomes a provider with one tool per operation.

The document is parsed completely before anything is written, and a provider and its tools are
written in one transaction, so a bad document (or any other validation error) leaves nothing
behind. Headers and auth are encrypted at rest and only ever returned masked; the console's
edit form posts masked values back, which keeps the stored secrets. Tenant isolation: every
provider id from a request is loaded through `get_owned`."""
from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from injector import inject
from sqlalchemy import bindparam, delete, func, select
from sqlalchemy.exc import IntegrityError

from config import Config
from internal.core.tools.api_tools import (
    ApiAuth,
    ApiSpec,
    ApiTool,
    CallLimits,
    CompiledOperations,
    OpenAPIDocumentError,
    OperationSpec,
    OutboundHttp,
    parse_openapi,
)
from internal.core.tools.base import ToolLimits
from internal.exception import ConflictException, NotFoundException, ValidateErrorException
from internal.model.api_tool import ApiTool as ApiToolRow
from internal.model.api_tool import ApiToolProvider
from internal.schema.api_tool_schema import AuthReq, CreateApiToolProviderReq, GetApiToolProvidersWithPageReq
from internal.service.base_service import get_owned
from pkg.crypto import Encryptor
from pkg.paginator import Paginator
from pkg.sqlalchemy import SQLAlchemy

from .secrets import masked_auth, masked_headers, merge_auth, merge_headers

NAME_TAKEN = "an API tool provider with this name already exists"


def _like(word: str) -> str:
    return "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


# The hot-path lookup of build_tool, built once (constructing a select costs more than running
# it on a warm connection). Bound: provider_id, account_id, tool_name.
_TOOL_KEYS = (
    select(ApiToolRow.id.label("tool_id"), ApiToolRow.updated_at.label("tool_updated_at"),
           ApiToolProvider.id.label("provider_id"), ApiToolProvider.updated_at.label("provider_updated_at"),
           ApiToolProvider.encrypted_headers, ApiToolProvider.encrypted_auth)
    .join(ApiToolProvider, ApiToolProvider.id == ApiToolRow.provider_id)
    .where(ApiToolProvider.id == bindparam("provider_id"), ApiToolProvider.account_id == bindparam("account_id"),
           ApiToolRow.account_id == bindparam("account_id"), ApiToolRow.name == bindparam("tool_name"))
)

@dataclass(frozen=True)
class ProviderView:
    """A provider with its decrypted-then-masked secrets, ready for the handler to serialize."""
    row: ApiToolProvider
    headers: list[dict[str, str]]
    auth: dict[str, Any]


@inject
@dataclass
class ApiToolService:
    db: SQLAlchemy
    conf: Config
    encryptor: Encryptor
    http: OutboundHttp
    compiled: CompiledOperations

    # -- parsing ---------------------------------------------------------------------------
    @staticmethod
    def parse(text: str) -> ApiSpec:
        try:
            return parse_openapi(text)
        except OpenAPIDocumentError as exc:
            raise ValidateErrorException(exc.message, data=exc.data) from None

    def validate_openapi_schema(self, text: str) -> ApiSpec:
        return self.parse(text)

    # -- secrets ---------------------------------------------------------------------------
    def _decrypt_json(self, token: str, default: Any) -> Any:
        return json.loads(self.encryptor.decrypt(token)) if token else default

    def stored_headers(self, row: ApiToolProvider) -> list[tuple[str, str]]:
        return [(h["key"], h["value"]) for h in self._decrypt_json(row.encrypted_headers, [])]

    def stored_auth(self, row: ApiToolProvider) -> dict[str, Any]:
        return self._decrypt_json(row.encrypted_auth, {"type": "none"})

    def view(self, row: ApiToolProvider) -> ProviderView:
        return ProviderView(row, masked_headers(self.stored_headers(row)), masked_auth(self.stored_auth(row)))

    @staticmethod
    def _complete_auth(auth: dict[str, Any], spec: ApiSpec) -> dict[str, Any]:
        """An api-key auth without a name takes the name and place of the document's apiKey scheme."""
        if auth.get("type") == "api_key" and not auth.get("name"):
            hint = spec.security
            if hint is None or hint.type != "api_key":
                raise ValidateErrorException("auth.name: required (the document declares no apiKey scheme to take it from)")
            auth = {**auth, "name": hint.name, "in": hint.location}
        return auth

    def _write_secrets(self, row: ApiToolProvider, headers: list[tuple[str, str]], auth: dict[str, Any]) -> None:
        row.encrypted_headers = self.encryptor.encrypt(json.dumps([{"key": k, "value": v} for k, v in headers]))
        row.auth_type = auth.get("type", "none")
        row.encrypted_auth = self.encryptor.encrypt(json.dumps(auth))

    # -- CRUD ------------------------------------------------------------------------------
    def get_provider(self, account_id: uuid.UUID, provider_id) -> ApiToolProvider:
        return get_owned(self.db, ApiToolProvider, provider_id, account_id, "API tool provider not found")

    def _name_taken(self, account_id: uuid.UUID, name: str, exclude: uuid.UUID | None = None) -> bool:
        stmt = select(func.count()).select_from(ApiToolProvider).where(
            ApiToolProvider.account_id == account_id, ApiToolProvider.name == name)
        if exclude is not None:
            stmt = stmt.where(ApiToolProvider.id != exclude)
        return bool(self.db.session.scalar(stmt))

    @staticmethod
    def _auth_dict(auth: AuthReq | None) -> dict[str, Any] | None:
        return None if auth is None else auth.model_dump(by_alias=True)

    def create_provider(self, account_id: uuid.UUID, req: CreateApiToolProviderReq) -> ProviderView:
        spec = self.parse(req.openapi_schema)
        if self._name_taken(account_id, req.name):
            raise ConflictException(NAME_TAKEN)
        auth = self._complete_auth(merge_auth(self._auth_dict(req.auth), {"type": "none"}), spec)
        row = ApiToolProvider(account_id=account_id, name=req.name, icon=req.icon, openapi_schema=req.openapi_schema,
                              description=spec.description, dialect=spec.dialect, server_url=spec.server_url)
        self._write_secrets(row, [(h.key, h.value) for h in req.headers], auth)
        try:
            with self.db.auto_commit():
                self.db.session.add(row)
                self.db.session.flush()
                for op in spec.operations:
                    self.db.session.add(self._tool_row(account_id, row.id, op))
        except IntegrityError:  # a concurrent create with the same name won the race
            raise ConflictException(NAME_TAKEN) from None
        return self.view(row)

    @staticmethod
    def _tool_row(account_id: uuid.UUID, provider_id: uuid.UUID, op: OperationSpec) -> ApiToolRow:
        return ApiToolRow(account_id=account_id, provider_id=provider_id, name=op.name, description=op.description,
                          operation=op.to_dict())

    def update_provider(self, account_id: uuid.UUID, provider_id, req: CreateApiToolProviderReq) -> ProviderView:
        row = self.get_provider(account_id, provider_id)
        spec = self.parse(req.openapi_schema)
        if self._name_taken(account_id, req.name, exclude=row.id):
            raise ConflictException(NAME_TAKEN)
        headers = merge_headers([(h.key, h.value) for h in req.headers], self.stored_headers(row))
        auth = self._complete_auth(merge_auth(self._auth_dict(req.auth), self.stored_auth(row)), spec)
        existing = {t.name: t for t in self.db.session.scalars(select(ApiToolRow).where(ApiToolRow.provider_id == row.id))}
        try:
            with self.db.auto_commit():
                row.name, row.icon, row.openapi_schema = req.name, req.icon, req.openapi_schema
                row.description, row.dialect, row.server_url = spec.description, spec.dialect, spec.server_url
                self._write_secrets(row, headers, auth)
                # update in place by name (a delete + insert of the same name would trip the unique key)
                for op in spec.operations:
                    tool = existing.pop(op.name, None)
                    if tool is None:
                        self.db.session.add(self._tool_row(account_id, row.id, op))
                    else:
                        tool.description, tool.operation = op.description, op.to_dict()
                for gone in existing.values():
                    self.db.session.delete(gone)
        except IntegrityError:
            raise ConflictException(NAME_TAKEN) from None
        return self.view(row)

    def delete_provider(self, account_id: uuid.UUID, provider_id) -> None:
        row = self.get_provider(account_id, provider_id)
        with self.db.auto_commit():
            self.db.session.execute(delete(ApiToolRow).where(ApiToolRow.provider_id == row.id))
            self.db.session.delete(row)

    def get_providers_with_page(self, account_id: uuid.UUID, req: GetApiToolProvidersWithPageReq
                                ) -> tuple[Sequence[ApiToolProvider], Paginator]:
        stmt = select(ApiToolProvider).where(ApiToolProvider.account_id == account_id)
        if req.search_word:
            stmt = stmt.where(ApiToolProvider.name.ilike(_like(req.search_word), escape="\\"))
        stmt = stmt.order_by(ApiToolProvider.created_at.desc(), ApiToolProvider.id)
        return Paginator.paginate(self.db.session, stmt, req)

    def tools_of(self, provider_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[ApiToolRow]]:
        """Tools of many providers in one query (no per-provider query in lists)."""
        out: dict[uuid.UUID, list[ApiToolRow]] = {p: [] for p in provider_ids}
        if provider_ids:
            for tool in self.db.session.scalars(select(ApiToolRow).where(ApiToolRow.provider_id.in_(provider_ids))
                                                .order_by(ApiToolRow.created_at, ApiToolRow.name)):
                out[tool.provider_id].append(tool)
        return out

    def _find_tool(self, account_id: uuid.UUID, provider_id, tool_name: str) -> tuple[ApiToolRow, ApiToolProvider]:
        provider = self.get_provider(account_id, provider_id)
        tool = self.db.session.scalar(select(ApiToolRow).where(ApiToolRow.provider_id == provider.id,
                                                               ApiToolRow.name == tool_name))
        if tool is None:
            raise NotFoundException("API tool not found")
        return tool, provider

    def get_tool(self, account_id: uuid.UUID, provider_id, tool_name: str) -> tuple[ApiToolRow, ProviderView]:
        tool, provider = self._find_tool(account_id, provider_id, tool_name)
        return tool, self.view(provider)

    # -- invocation ------------------------------------------------------------------------
    def _operation(self, tool_id: uuid.UUID) -> dict[str, Any]:
        with self.db.auto_commit():
            return self.db.session.scalar(select(ApiToolRow.operation).where(ApiToolRow.id == tool_id))

    def build_tool(self, account_id: uuid.UUID, provider_id, tool_name: str,
                   limits: ToolLimits | None = None) -> ApiTool:
        """The callable tool for a (provider uuid, operation name) of this account; NotFoundException
        for unknown ids and for other tenants' ids alike."""
        try:
            key = provider_id if isinstance(provider_id, uuid.UUID) else uuid.UUID(str(provider_id))
        except (TypeError, ValueError):
            raise NotFoundException("API tool not found") from None
        # One round trip on the hot path, with the same rule as get_owned (the account filter is
        # part of the query: another tenant's provider is simply not found). A read-only
        # transaction, ended here: no pooled connection is held during the API call. Only keys,
        # versions and the encrypted secrets are read: the rest comes from the caches.
        with self.db.auto_commit():
            found = self.db.session.execute(_TOOL_KEYS, {"provider_id": key, "account_id": account_id,
                                                         "tool_name": tool_name}).first()
        if found is None:
            raise NotFoundException("API tool not found")
        headers, auth = self.compiled.secrets((found.provider_id, found.provider_updated_at), lambda: (
            [(h["key"], h["value"]) for h in self._decrypt_json(found.encrypted_headers, [])],
            self._decrypt_json(found.encrypted_auth, {"type": "none"})))
        core_auth = ApiAuth(type=auth.get("type", "none"), location=auth.get("in", "header"), name=auth.get("name", ""),
                            value=auth.get("api_key") or auth.get("token") or auth.get("password") or "",
                            username=auth.get("username", ""))
        call_limits = CallLimits(connect_timeout_s=self.conf.API_TOOL_CONNECT_TIMEOUT_SECONDS,
                                 read_timeout_s=self.conf.API_TOOL_READ_TIMEOUT_SECONDS,
                                 max_response_bytes=self.conf.API_TOOL_MAX_RESPONSE_BYTES)
        # the operation JSON is read (and compiled) only when this version of the tool is not cached
        op, validator = self.compiled.get((found.tool_id, found.tool_updated_at), lambda: self._operation(found.tool_id))
        return ApiTool(op, self.http, custom_headers=headers, auth=core_auth,
                       call_limits=call_limits, limits=limits, validator=validator)

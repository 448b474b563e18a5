"""Console side of the model layer: catalog, provider icons, per-account credentials, usage."""
from __future__ import annotations

import json
import mimetypes
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from typing import Any

from injector import inject
from sqlalchemy import case, func, select

from config.language_model import LanguageModelSettings
from internal.core.language_model import LanguageModelCatalog, Router
from internal.core.language_model.deployment import Deployment
from internal.core.language_model.errors import LLMError
from internal.exception import FailException, NotFoundException, ValidateErrorException
from internal.model.language_model import ModelUsage, ProviderCredential
from internal.service.provider_credential_cache import ProviderCredentialCache
from pkg.crypto import Encryptor
from pkg.sqlalchemy import SQLAlchemy
from pkg.ssrf import SsrfGuard, literal_host_blocked

_SECRET_TYPES = {"secret"}


def mask_secret(value: str) -> str:
    if not value:
        return ""
    if len(value) <= 8:
        return "*" * len(value)
    return f"{value[:3]}{'*' * 8}{value[-4:]}"


def _ts(dt: datetime | None) -> int:
    return int(dt.timestamp()) if dt else 0


@inject
@dataclass
class LanguageModelService:
    db: SQLAlchemy
    catalog: LanguageModelCatalog
    router: Router
    encryptor: Encryptor
    settings: LanguageModelSettings
    credential_cache: ProviderCredentialCache

    # ------------------------------------------------------------------ catalog -----------
    def get_language_models(self) -> list[dict[str, Any]]:
        return [p.to_console_dict() for p in self.catalog.get_providers()]

    def get_language_model(self, provider_name: str, model_name: str) -> dict[str, Any]:
        provider = self.catalog.get_provider(provider_name)
        if provider is None:
            raise NotFoundException("provider not found")
        model = provider.get_model_entity(model_name)
        if model is None:
            raise NotFoundException("model not found")
        return model.to_console_dict()

    def get_language_model_icon(self, provider_name: str) -> tuple[str, str]:
        provider = self.catalog.get_provider(provider_name)
        path = provider.icon_path() if provider else None
        if path is None:
            raise NotFoundException("icon not found")
        return path, mimetypes.guess_type(path)[0] or "application/octet-stream"

    # ------------------------------------------------------------------ credentials -------
    def _schema(self, provider_name: str):
        provider = self.catalog.get_provider(provider_name)
        if provider is None:
            raise NotFoundException("provider not found")
        if provider.provider_entity.protocol == "local":
            raise ValidateErrorException("the local provider needs no credentials")
        return provider

    def _clean_config(self, provider_name: str, config: dict[str, Any]) -> dict[str, str]:
        provider = self._schema(provider_name)
        fields = {f.name: f for f in provider.provider_entity.credential_schema}
        unknown = sorted(set(config) - set(fields))
        if unknown:
            raise ValidateErrorException(f"unknown credential field(s): {', '.join(unknown)}")
        clean: dict[str, str] = {}
        for name, f in fields.items():
            value = config.get(name)
            value = "" if value is None else str(value).strip()
            if not value and f.default:
                value = f.default
            if f.required and not value:
                raise ValidateErrorException(f"{name}: field required")
            if value and f.type == "url":
                if not value.startswith(("http://", "https://")):
                    raise ValidateErrorException(f"{name}: must be an http(s) URL")
                guard = self.router.url_guard or SsrfGuard()
                if literal_host_blocked(value, guard):
                    raise ValidateErrorException(f"{name}: this address is not allowed (private or local network)")
            if value:
                clean[name] = value
        return clean

    def _masked(self, provider_name: str, config: dict[str, str]) -> dict[str, str]:
        provider = self._schema(provider_name)
        types = {f.name: f.type for f in provider.provider_entity.credential_schema}
        return {k: (mask_secret(v) if types.get(k) in _SECRET_TYPES else v) for k, v in config.items()}

    @staticmethod
    def _dump(row: ProviderCredential) -> dict[str, Any]:
        return {"provider": row.provider, "config": json.loads(row.masked_config or "{}"), "is_valid": row.is_valid,
                "last_tested_at": _ts(row.last_tested_at), "updated_at": _ts(row.updated_at)}

    def _row(self, account_id: uuid.UUID, provider_name: str) -> ProviderCredential | None:
        return self.db.session.scalar(select(ProviderCredential).where(
            ProviderCredential.account_id == account_id, ProviderCredential.provider == provider_name))

    def list_credentials(self, account_id: uuid.UUID) -> list[dict[str, Any]]:
        rows = self.db.session.scalars(select(ProviderCredential).where(
            ProviderCredential.account_id == account_id).order_by(ProviderCredential.provider)).all()
        return [self._dump(r) for r in rows]

    def set_credential(self, account_id: uuid.UUID, provider_name: str, config: dict[str, Any]) -> dict[str, Any]:
        clean = self._clean_config(provider_name, config)
        with self.db.auto_commit():
            row = self._row(account_id, provider_name)
            if row is None:
                row = ProviderCredential(account_id=account_id, provider=provider_name, encrypted_config="")
                self.db.session.add(row)
            row.encrypted_config = self.encryptor.encrypt(json.dumps(clean))
            row.masked_config = json.dumps(self._masked(provider_name, clean))
            row.is_valid = None
            row.last_tested_at = None
        self.credential_cache.invalidate()
        return self._dump(row)

    def delete_credential(self, account_id: uuid.UUID, provider_name: str) -> None:
        with self.db.auto_commit():
            row = self._row(account_id, provider_name)
            if row is None:
                raise NotFoundException("no credentials stored for this provider")
            self.db.session.delete(row)
        self.credential_cache.invalidate()

    def credentials_for(self, account_id: uuid.UUID | None) -> dict[str, dict[str, Any]]:
        """Decrypted credentials of an account, cached in-process for CREDENTIAL_CACHE_SECONDS
        while the credential epoch is unchanged (a change anywhere is seen on the next call)."""
        if account_id is None:
            return {}
        epoch = self.credential_cache.epoch()  # before the read: a change after it is not missed
        hit = self.credential_cache.get(account_id, epoch)
        if hit is not None:
            return hit
        rows = self.db.session.execute(select(ProviderCredential.provider, ProviderCredential.encrypted_config).where(
            ProviderCredential.account_id == account_id)).all()
        creds = {}
        for provider, token in rows:
            try:
                creds[provider] = json.loads(self.encryptor.decrypt(token))
            except Exception:  # key rotated or corrupted row: behave as if not configured
                continue
        self.credential_cache.put(account_id, epoch, creds)
        return creds

    def test_credential(self, account_id: uuid.UUID, provider_name: str, config: dict[str, Any] | None,
                        model: str | None) -> dict[str, Any]:
        provider = self._schema(provider_name)
        row = self._row(account_id, provider_name)
        if config is not None:
            creds = self._clean_config(provider_name, config)
        elif row is not None:
            creds = json.loads(self.encryptor.decrypt(row.encrypted_config))
        else:
            raise NotFoundException("no credentials stored for this provider")
        chat_models = [m for m in provider.get_model_entities() if m.model_type.value == "chat"]
        model_name = model or (chat_models[0].model_name if chat_models else None)
        if not model_name:
            raise ValidateErrorException("model: field required for this provider")
        entity = provider.get_model_entity(model_name)  # the console sends console ids (console_model_id)
        upstream_name = entity.model_name if entity else model_name
        dep = Deployment(
            id=f"test:{provider_name}", provider=provider_name, model=str(creds.get("deployment") or upstream_name),
            protocol=provider.provider_entity.protocol,
            api_base=creds.get("api_base") or creds.get("base_url") or provider.provider_entity.default_api_base,
            api_key=creds.get("api_key"), api_version=creds.get("api_version"),
            timeout=self.settings.CREDENTIAL_TEST_TIMEOUT, guarded=True)
        client = self.router.client(dep.protocol)
        started = time.perf_counter()
        ok, message = True, "ok"
        try:
            client.chat(dep, {"messages": [{"role": "user", "content": "ping"}], "max_tokens": 1})
        except LLMError as e:
            ok, message = False, e.message
        latency = round((time.perf_counter() - started) * 1000, 1)
        if row is not None and config is None:
            with self.db.auto_commit():
                row.is_valid = ok
                row.last_tested_at = datetime.now(UTC)
        if not ok:
            raise FailException(f"credential test failed: {message}", data={"latency_ms": latency})
        return {"ok": True, "model": model_name, "latency_ms": latency}

    # ------------------------------------------------------------------ usage -------------
    def usage_summary(self, account_id: uuid.UUID, start: date | None, end: date | None, group_by: str,
                      api_key_id: str | None = None) -> list[dict[str, Any]]:
        end = end or datetime.now(UTC).date()
        start = start or (end - timedelta(days=29))
        if start > end:
            raise ValidateErrorException("start_date must not be after end_date")
        if (end - start).days > 366:
            raise ValidateErrorException("the date range is limited to 366 days")
        lo = datetime.combine(start, dtime.min, tzinfo=UTC)
        hi = datetime.combine(end + timedelta(days=1), dtime.min, tzinfo=UTC)
        day = func.date(ModelUsage.created_at)
        keys: list[Any] = []
        if "day" in group_by:
            keys.append(day.label("day"))
        if group_by.startswith("key"):
            keys.append(ModelUsage.api_key_id.label("api_key_id"))
        if group_by.startswith("model"):
            keys.append(ModelUsage.model.label("model"))
        stmt = select(
            *keys, ModelUsage.currency,
            func.count().label("requests"),
            func.sum(case((ModelUsage.status != "success", 1), else_=0)).label("errors"),
            func.coalesce(func.sum(ModelUsage.prompt_tokens), 0).label("prompt_tokens"),
            func.coalesce(func.sum(ModelUsage.completion_tokens), 0).label("completion_tokens"),
            func.coalesce(func.sum(ModelUsage.total_tokens), 0).label("total_tokens"),
            func.coalesce(func.sum(ModelUsage.cost), 0).label("cost"),
            func.sum(case((ModelUsage.estimated.is_(True), 1), else_=0)).label("estimated_requests"),
            func.avg(ModelUsage.latency_ms).label("avg_latency_ms"),
        ).where(ModelUsage.account_id == account_id, ModelUsage.created_at >= lo, ModelUsage.created_at < hi)
        if api_key_id:
            try:
                stmt = stmt.where(ModelUsage.api_key_id == uuid.UUID(api_key_id))
            except ValueError:
                raise ValidateErrorException("api_key_id: invalid id") from None
        stmt = stmt.group_by(*keys, ModelUsage.currency).order_by(*keys, ModelUsage.currency)
        out = []
        for r in self.db.session.execute(stmt).mappings():
            row = {
                "requests": int(r["requests"]), "errors": int(r["errors"] or 0),
                "prompt_tokens": int(r["prompt_tokens"]), "completion_tokens": int(r["completion_tokens"]),
                "total_tokens": int(r["total_tokens"]), "cost": round(float(r["cost"]), 8), "currency": r["currency"],
                "estimated_requests": int(r["estimated_requests"] or 0),
                "avg_latency_ms": round(float(r["avg_latency_ms"] or 0), 3),
            }
            if "day" in r:
                row["day"] = str(r["day"])
            if "api_key_id" in r:
                row["api_key_id"] = str(r["api_key_id"]) if r["api_key_id"] else None
            if "model" in r:
                row["model"] = r["model"]
            out.append(row)
        return out

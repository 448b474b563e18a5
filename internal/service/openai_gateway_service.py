"""The OpenAI-compatible surface: turns an authenticated API key into a call context and runs
the request through the model gateway (routing, retries, rate limits, usage)."""
from __future__ import annotations

import functools
import hashlib
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

from injector import inject

from config import Config
from config.language_model import LanguageModelSettings
from internal.core.language_model import CallContext, LanguageModelGateway, RateLimit
from internal.core.language_model.errors import LLMError, ModelNotFoundError
from internal.exception import CustomException
from internal.service.account_lookup_service import AccountLookupService
from internal.service.api_key_service import ApiKeyUsageService
from internal.service.app.chat.app_models import PREFIX as APP_MODEL_PREFIX
from internal.service.app.chat.app_models import AppModel, AppModelService
from internal.service.language_model_service import LanguageModelService

F = TypeVar("F", bound=Callable[..., Any])


class ModelLayerException(CustomException):
    """An `LLMError` carried into the platform's exception hierarchy (rendered by error_handlers)."""

    def __init__(self, err: LLMError):
        headers = {}
        if err.retry_after is not None:
            headers["Retry-After"] = str(max(1, int(round(err.retry_after + 0.499))))
        super().__init__(err.message, param=err.param, headers=headers)
        self.status = err.status_code
        self.openai_type = err.type
        self.openai_code = err.code


def translate_errors(fn: F) -> F:
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except LLMError as e:
            raise ModelLayerException(e) from None

    return wrapper  # type: ignore[return-value]


@dataclass(frozen=True)
class ApiKeyIdentity:
    """What the gateway needs to know about the caller (cached; never an ORM row)."""

    id: uuid.UUID
    account_id: uuid.UUID


def default_rpm(conf: Config, settings: LanguageModelSettings) -> int | None:
    """LLM_RATE_LIMIT_RPM, else the platform's per-key API_KEY_RATE_LIMIT expressed per minute."""
    if settings.RATE_LIMIT_RPM:
        return settings.RATE_LIMIT_RPM
    try:
        from limits import parse

        item = parse(conf.API_KEY_RATE_LIMIT)
        return max(1, int(item.amount * 60 / item.get_expiry()))
    except Exception:
        return None


@inject
@dataclass
class OpenAIGatewayService:
    gateway: LanguageModelGateway
    language_model_service: LanguageModelService
    settings: LanguageModelSettings
    conf: Config
    accounts: AccountLookupService
    api_key_usage: ApiKeyUsageService
    app_models: AppModelService

    def __post_init__(self) -> None:
        self._default_limit = RateLimit(rpm=default_rpm(self.conf, self.settings),
                                        tpm=self.settings.RATE_LIMIT_TPM or None)
        self._keys: dict[str, tuple[float, ApiKeyIdentity, int]] = {}
        self._keys_lock = threading.Lock()

    def authenticate(self, raw_key: str) -> ApiKeyIdentity:
        """API-key authentication for /v1 with a short in-process cache (API_KEY_CACHE_SECONDS).

        A miss goes through the platform's AccountLookupService (same checks as the middleware:
        key exists, is active, account exists) and refreshes last_used_at; a hit costs a sha256
        and one Redis GET (the epoch).
        An entry is valid only while the API-key epoch (bumped in Redis after every key update
        or delete, read BEFORE the lookup) is unchanged, so disabling or deleting a key takes
        effect on the next request, on every worker.
        """
        digest = hashlib.sha256(raw_key.encode()).hexdigest()
        now = time.monotonic()
        epoch = self.accounts.api_key_epoch()
        hit = self._keys.get(digest)
        if hit is not None and hit[0] > now and hit[2] == epoch:
            return hit[1]
        api_key = self.accounts.authenticate_api_key(raw_key)
        self.accounts.get_active(api_key.account_id)
        self.api_key_usage.touch(api_key)
        ident = ApiKeyIdentity(api_key.id, api_key.account_id)
        ttl = self.settings.API_KEY_CACHE_SECONDS
        if ttl > 0:
            with self._keys_lock:
                if len(self._keys) > 100_000:
                    self._keys.clear()
                self._keys[digest] = (now + ttl, ident, epoch)
        return ident

    def context(self, api_key: ApiKeyIdentity) -> CallContext:
        return CallContext(api_key_id=str(api_key.id), account_id=str(api_key.account_id),
                           rate_limit=self._default_limit,
                           credentials=self.language_model_service.credentials_for(api_key.account_id) or None)

    @translate_errors
    def list_models(self, api_key: ApiKeyIdentity) -> dict[str, Any]:
        """Every model the key can call (issue 13 §3): the router's public groups and the local
        model, the catalog's models of every provider with credentials (environment, router
        YAML or the account's own) as `provider/model`, and the account's published apps."""
        listed = self.gateway.list_models()
        seen = {m["id"] for m in listed["data"]}
        extra = [m for m in self._credentialed_models(api_key) if m["id"] not in seen]
        listed["data"].extend([*extra, *self.app_models.models(api_key.account_id)])
        return listed

    def _credentialed_models(self, api_key: ApiKeyIdentity) -> list[dict[str, Any]]:
        router = self.gateway.router
        providers = set(router.config.providers) | set(self.language_model_service.credentials_for(
            api_key.account_id) or {})
        out = []
        for provider in router.catalog.get_providers():
            if provider.name not in providers or provider.provider_entity.protocol == "local":
                continue
            for entity in provider.get_model_entities():  # chat, embedding and image models alike
                out.append({"id": f"{provider.name}/{entity.model_name}", "object": "model",
                            "created": self.gateway.created, "owned_by": provider.name})
        return out

    @translate_errors
    def retrieve_model(self, api_key: ApiKeyIdentity, model_id: str) -> dict[str, Any]:
        for m in self.list_models(api_key)["data"]:
            if m["id"] == model_id:
                return m
        ctx = self.context(api_key)
        group = self.gateway.router.resolve(model_id, ctx.credentials, ctx.account_id)
        return {"id": group.name, "object": "model", "created": self.gateway.created,
                "owned_by": group.deployments[0].provider}

    @translate_errors
    def model_health(self, api_key: ApiKeyIdentity, model_id: str) -> dict[str, Any]:
        return self.gateway.model_health(model_id, self.context(api_key))

    @translate_errors
    def chat(self, api_key: ApiKeyIdentity, body: dict[str, Any]) -> dict[str, Any]:
        if app := self._app_model(api_key, body):
            return self.app_models.complete(app, body)
        try:
            return self.gateway.chat(body, self.context(api_key))
        except ModelNotFoundError:
            if app := self._app_model(api_key, body, by_name=True):
                return self.app_models.complete(app, body)
            raise

    @translate_errors
    def chat_stream(self, api_key: ApiKeyIdentity, body: dict[str, Any]) -> Iterator[bytes]:
        if app := self._app_model(api_key, body):
            return self.app_models.stream(app, body)
        try:
            return self.gateway.chat_stream(body, self.context(api_key))
        except ModelNotFoundError:
            if app := self._app_model(api_key, body, by_name=True):
                return self.app_models.stream(app, body)
            raise

    def _app_model(self, api_key: ApiKeyIdentity, body: dict[str, Any], by_name: bool = False) -> AppModel | None:
        """A published app of the key's account named by `model`: `app-<uuid>` is checked first
        (one string test on the hot path); an app's name only after the catalog said no."""
        model = body.get("model")
        if not isinstance(model, str) or not (by_name or model.startswith(APP_MODEL_PREFIX)):
            return None
        found = self.app_models.find(api_key.account_id, model)
        if found is None and not by_name:
            raise ModelNotFoundError(f"The model `{model}` does not exist or you do not have access to it.",
                                     param="model")
        return found

    @translate_errors
    def completion(self, api_key: ApiKeyIdentity, body: dict[str, Any]) -> dict[str, Any]:
        return self.gateway.completion(body, self.context(api_key))

    @translate_errors
    def completion_stream(self, api_key: ApiKeyIdentity, body: dict[str, Any]) -> Iterator[bytes]:
        return self.gateway.completion_stream(body, self.context(api_key))

    @translate_errors
    def embeddings(self, api_key: ApiKeyIdentity, body: dict[str, Any]) -> dict[str, Any]:
        return self.gateway.embeddings(body, self.context(api_key))

    @translate_errors
    def images(self, api_key: ApiKeyIdentity, body: dict[str, Any]) -> dict[str, Any]:
        return self.gateway.images(body, self.context(api_key))

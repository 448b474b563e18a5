"""The OpenAI-compatible surface: turns an authenticated API key into a call context and runs
the request through the model gateway (routing, retries, rate limits, usage)."""
from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any, Callable, Iterator, TypeVar

from injector import inject

from config.language_model import LanguageModelSettings
from internal.core.language_model import CallContext, LanguageModelGateway, RateLimit
from internal.core.language_model.errors import LLMError
from internal.exception import CustomException
from internal.model.api_key import ApiKey
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


@inject
@dataclass
class OpenAIGatewayService:
    gateway: LanguageModelGateway
    language_model_service: LanguageModelService
    settings: LanguageModelSettings

    def __post_init__(self) -> None:
        self._default_limit = RateLimit(rpm=self.settings.RATE_LIMIT_RPM or None,
                                        tpm=self.settings.RATE_LIMIT_TPM or None)

    def context(self, api_key: ApiKey) -> CallContext:
        return CallContext(api_key_id=str(api_key.id), account_id=str(api_key.account_id),
                           rate_limit=self._default_limit,
                           credentials=self.language_model_service.credentials_for(api_key.account_id) or None)

    @translate_errors
    def list_models(self, api_key: ApiKey) -> dict[str, Any]:
        return self.gateway.list_models()

    @translate_errors
    def retrieve_model(self, api_key: ApiKey, model_id: str) -> dict[str, Any]:
        for m in self.gateway.list_models()["data"]:
            if m["id"] == model_id:
                return m
        group = self.gateway.router.resolve(model_id, self.context(api_key).credentials)
        return {"id": group.name, "object": "model", "created": self.gateway.created,
                "owned_by": group.deployments[0].provider}

    @translate_errors
    def model_health(self, api_key: ApiKey, model_id: str) -> dict[str, Any]:
        return self.gateway.model_health(model_id, self.context(api_key))

    @translate_errors
    def chat(self, api_key: ApiKey, body: dict[str, Any]) -> dict[str, Any]:
        return self.gateway.chat(body, self.context(api_key))

    @translate_errors
    def chat_stream(self, api_key: ApiKey, body: dict[str, Any]) -> Iterator[bytes]:
        return self.gateway.chat_stream(body, self.context(api_key))

    @translate_errors
    def completion(self, api_key: ApiKey, body: dict[str, Any]) -> dict[str, Any]:
        return self.gateway.completion(body, self.context(api_key))

    @translate_errors
    def completion_stream(self, api_key: ApiKey, body: dict[str, Any]) -> Iterator[bytes]:
        return self.gateway.completion_stream(body, self.context(api_key))

    @translate_errors
    def embeddings(self, api_key: ApiKey, body: dict[str, Any]) -> dict[str, Any]:
        return self.gateway.embeddings(body, self.context(api_key))

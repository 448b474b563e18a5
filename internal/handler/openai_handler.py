"""The OpenAI-compatible /v1 surface. Thin: authenticate the API key, parse JSON, call the
gateway service, write OpenAI-shaped JSON or an SSE stream. Errors are rendered by
internal/server/error_handlers.py as OpenAI error JSON.

Authentication: the same checks as the API-key middleware (AccountLookupService), behind a
short per-process cache (`OpenAIGatewayService.authenticate`), because this surface is the
gateway's hot path; per-key limits are the model layer's own (requests and tokens per minute).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Response, g, request
from injector import inject

from internal.exception import ValidateErrorException
from internal.middleware.middleware import bearer_token
from internal.service.openai_gateway_service import ApiKeyIdentity, OpenAIGatewayService
from pkg.json_codec import dumps, loads

_SSE_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}


def _json(data: Any, status: int = 200) -> Response:
    return Response(dumps(data), status=status, mimetype="application/json")


def _body() -> dict[str, Any]:
    try:
        data = loads(request.get_data())
    except ValueError:
        data = None
    if not isinstance(data, dict):
        raise ValidateErrorException("We could not parse the JSON body of your request. The body must be a JSON "
                                     "object.", openai_code="invalid_json")
    return data


@inject
@dataclass
class OpenAIHandler:
    gateway_service: OpenAIGatewayService

    def _api_key(self) -> ApiKeyIdentity:
        ident = self.gateway_service.authenticate(bearer_token(request))
        g.api_key_identity = ident
        return ident

    def list_models(self):
        """OpenAI `GET /v1/models`."""
        return _json(self.gateway_service.list_models(self._api_key()))

    def retrieve_model(self, model_id: str):
        """OpenAI `GET /v1/models/{model}`."""
        return _json(self.gateway_service.retrieve_model(self._api_key(), model_id))

    def model_health(self, model_id: str):
        """Deployments of a model with their cooldown state, failures and latency."""
        return _json(self.gateway_service.model_health(self._api_key(), model_id))

    def chat_completions(self):
        """OpenAI `POST /v1/chat/completions` (blocking or SSE)."""
        return self._blocking_or_stream(self.gateway_service.chat, self.gateway_service.chat_stream)

    def completions(self):
        """OpenAI `POST /v1/completions` (blocking or SSE)."""
        return self._blocking_or_stream(self.gateway_service.completion, self.gateway_service.completion_stream)

    def _blocking_or_stream(self, blocking, streaming):
        key = self._api_key()
        body = _body()
        if body.get("stream") is True:
            return Response(streaming(key, body), mimetype="text/event-stream", headers=_SSE_HEADERS)
        return _json(blocking(key, body))

    def embeddings(self):
        """OpenAI `POST /v1/embeddings`."""
        key = self._api_key()
        return _json(self.gateway_service.embeddings(key, _body()))

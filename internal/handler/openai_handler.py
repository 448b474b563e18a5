"""The OpenAI-compatible /v1 surface. Thin: parse JSON, take the API key the middleware
authenticated, call the gateway service, write OpenAI-shaped JSON or an SSE stream.
Errors are rendered by internal/server/error_handlers.py as OpenAI error JSON."""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from flask import Response, g, request
from flask_login import current_user, login_required
from injector import inject

from internal.exception import ValidateErrorException
from internal.service.openai_gateway_service import OpenAIGatewayService

_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
_SSE_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}


def _json(data: Any, status: int = 200) -> Response:
    return Response(_encode(data), status=status, mimetype="application/json")


def _body() -> dict[str, Any]:
    data = request.get_json(silent=True, force=True)
    if not isinstance(data, dict):
        raise ValidateErrorException("We could not parse the JSON body of your request. The body must be a JSON "
                                     "object.", openai_code="invalid_json")
    return data


def _api_key():
    _ = current_user.id  # make sure the middleware ran (login_required already did)
    return g.api_key


@inject
@dataclass
class OpenAIHandler:
    gateway_service: OpenAIGatewayService

    @login_required
    def list_models(self):
        """OpenAI `GET /v1/models`."""
        return _json(self.gateway_service.list_models(_api_key()))

    @login_required
    def retrieve_model(self, model_id: str):
        """OpenAI `GET /v1/models/{model}`."""
        return _json(self.gateway_service.retrieve_model(_api_key(), model_id))

    @login_required
    def model_health(self, model_id: str):
        """Deployments of a model with their cooldown state, failures and latency."""
        return _json(self.gateway_service.model_health(_api_key(), model_id))

    @login_required
    def chat_completions(self):
        """OpenAI `POST /v1/chat/completions` (blocking or SSE)."""
        body = _body()
        if body.get("stream") is True:
            stream = self.gateway_service.chat_stream(_api_key(), body)
            return Response(stream, mimetype="text/event-stream", headers=_SSE_HEADERS)
        return _json(self.gateway_service.chat(_api_key(), body))

    @login_required
    def completions(self):
        """OpenAI `POST /v1/completions` (blocking or SSE)."""
        body = _body()
        if body.get("stream") is True:
            stream = self.gateway_service.completion_stream(_api_key(), body)
            return Response(stream, mimetype="text/event-stream", headers=_SSE_HEADERS)
        return _json(self.gateway_service.completion(_api_key(), body))

    @login_required
    def embeddings(self):
        """OpenAI `POST /v1/embeddings`."""
        return _json(self.gateway_service.embeddings(_api_key(), _body()))

"""The OpenAI-compatible /v1 surface. Thin: authenticate the API key, parse JSON, call the
gateway service, answer OpenAI-shaped JSON or an SSE stream. Errors are rendered by
internal/server/error_handlers.py as OpenAI error JSON.

Each method takes the request as its argument and answers `(body, status, headers)`, so the
same method serves Flask's route and the API lane (internal/server/api_lane.py), which calls it
without a Flask request context.

Authentication: the same checks as the API-key middleware (AccountLookupService), behind a
short per-process cache (`OpenAIGatewayService.authenticate`), because this surface is the
gateway's hot path; per-key limits are the model layer's own (requests and tokens per minute).
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from injector import inject
from werkzeug.wrappers import Request

from internal.exception import ValidateErrorException
from internal.handler.validation import document
from internal.middleware.middleware import bearer_token
from internal.schema.openai_schema import (
    ChatCompletionReq,
    ChatCompletionResp,
    CompletionReq,
    CompletionResp,
    EmbeddingReq,
    EmbeddingResp,
    ImageGenerationReq,
    ImageGenerationResp,
    ModelHealthResp,
    ModelListResp,
    ModelResp,
)
from internal.service.openai_gateway_service import ApiKeyIdentity, OpenAIGatewayService
from pkg.json_codec import dumps, loads
from pkg.json_codec.input_check import input_problem, may_have_problem

Reply = tuple[bytes | Iterator[bytes], int, list[tuple[str, str]]]


def json_reply(data: Any) -> Reply:
    return dumps(data), 200, [("Content-Type", "application/json")]


def sse_reply(chunks: Iterator[bytes]) -> Reply:
    return chunks, 200, [("Content-Type", "text/event-stream; charset=utf-8"), ("Cache-Control", "no-cache"),
                         ("X-Accel-Buffering", "no")]


def request_json(req: Request) -> dict[str, Any]:
    raw = req.get_data()
    try:
        data = loads(raw)
    except ValueError:
        data = None
    if not isinstance(data, dict):
        raise ValidateErrorException("We could not parse the JSON body of your request. The body must be a JSON "
                                     "object.", openai_code="invalid_json")
    # NUL characters and deep nesting (issue 9): the full walk only when the raw bytes allow either
    problem = input_problem(data) if may_have_problem(raw) else None
    if problem is not None:
        field, message = problem
        raise ValidateErrorException(f"Invalid value for '{field}': {message}.", param=field,
                                     openai_code="invalid_value")
    return data


@inject
@dataclass
class OpenAIHandler:
    gateway_service: OpenAIGatewayService

    def _api_key(self, req: Request) -> ApiKeyIdentity:
        return self.gateway_service.authenticate(bearer_token(req))

    @document(response=ModelListResp)
    def list_models(self, req: Request) -> Reply:
        """OpenAI `GET /v1/models`."""
        return json_reply(self.gateway_service.list_models(self._api_key(req)))

    @document(response=ModelResp)
    def retrieve_model(self, req: Request, model_id: str) -> Reply:
        """OpenAI `GET /v1/models/{model}`."""
        return json_reply(self.gateway_service.retrieve_model(self._api_key(req), model_id))

    @document(response=ModelHealthResp)
    def model_health(self, req: Request, model_id: str) -> Reply:
        """Deployments of a model with their cooldown state, failures and latency."""
        return json_reply(self.gateway_service.model_health(self._api_key(req), model_id))

    @document(body=ChatCompletionReq, response=ChatCompletionResp, produces=("text/event-stream",), gateway=True)
    def chat_completions(self, req: Request) -> Reply:
        """OpenAI `POST /v1/chat/completions` (blocking or SSE)."""
        return self._blocking_or_stream(req, self.gateway_service.chat, self.gateway_service.chat_stream)

    @document(body=CompletionReq, response=CompletionResp, produces=("text/event-stream",), gateway=True)
    def completions(self, req: Request) -> Reply:
        """OpenAI `POST /v1/completions` (blocking or SSE)."""
        return self._blocking_or_stream(req, self.gateway_service.completion, self.gateway_service.completion_stream)

    def _blocking_or_stream(self, req: Request, blocking: Callable, streaming: Callable) -> Reply:
        key = self._api_key(req)
        body = request_json(req)
        if body.get("stream") is True:
            return sse_reply(streaming(key, body))
        return json_reply(blocking(key, body))

    @document(body=EmbeddingReq, response=EmbeddingResp, gateway=True)
    def embeddings(self, req: Request) -> Reply:
        """OpenAI `POST /v1/embeddings`."""
        key = self._api_key(req)
        return json_reply(self.gateway_service.embeddings(key, request_json(req)))

    @document(body=ImageGenerationReq, response=ImageGenerationResp, gateway=True)
    def images_generations(self, req: Request) -> Reply:
        """OpenAI `POST /v1/images/generations` (providers that offer image models)."""
        key = self._api_key(req)
        return json_reply(self.gateway_service.images(key, request_json(req)))

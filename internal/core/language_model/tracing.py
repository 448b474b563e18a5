"""Spans of the model layer (OpenTelemetry API only; the app decides whether a tracer exists).

* `ModelCallTracer`: one CLIENT span per gateway call (retries and fallbacks included) with the
  GenAI semantic-convention attributes — operation, provider, requested and answering model,
  input/output tokens — plus ours: `llmops.cost` (and its currency), the deployment, attempts,
  whether tokens were estimated, time to first token. Streams end their span when the stream
  ends, when the tokens are known.
* `TracedHTTPPool`: the upstream transport's HTTP CLIENT span per attempt (HTTP semantic
  conventions; no query string, no headers recorded), and the W3C `traceparent` header sent
  upstream. The span covers sending the request and reading the response head; a streamed
  body is covered by the model call's span.

With tracing off neither is built: the gateway holds None and the router uses the bare pool.
"""
from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from opentelemetry import trace
from opentelemetry.trace import SpanKind, Status, StatusCode
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from .clients import shared_http_pool
from .deployment import Deployment
from .http_transport import HTTPPool, Response
from .usage import Usage

# gateway endpoint → gen_ai.operation.name (well-known values of the GenAI conventions)
_OPERATIONS = {"chat": "chat", "completion": "text_completion", "embedding": "embeddings",
               "image": "generate_content"}
# our catalog's provider names → gen_ai.provider.name where the conventions name one
_PROVIDERS = {"azure_openai": "azure.ai.openai", "tongyi": "dashscope"}
_REQUEST_PARAMS = (("temperature", "gen_ai.request.temperature"), ("top_p", "gen_ai.request.top_p"),
                   ("max_tokens", "gen_ai.request.max_tokens"), ("max_completion_tokens", "gen_ai.request.max_tokens"),
                   ("seed", "gen_ai.request.seed"), ("frequency_penalty", "gen_ai.request.frequency_penalty"),
                   ("presence_penalty", "gen_ai.request.presence_penalty"))


class ModelCallTracer:
    def __init__(self, tracer: trace.Tracer) -> None:
        self._tracer = tracer

    def start(self, endpoint: str, model: str, upstream: dict[str, Any], stream: bool = False) -> trace.Span:
        operation = _OPERATIONS.get(endpoint, endpoint)
        attributes: dict[str, Any] = {"gen_ai.operation.name": operation, "gen_ai.request.model": model,
                                      "llmops.stream": stream}
        for key, name in _REQUEST_PARAMS:
            value = upstream.get(key)
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                attributes[name] = value
        return self._tracer.start_span(f"{operation} {model}", kind=SpanKind.CLIENT, attributes=attributes)

    @staticmethod
    def use(span: trace.Span):
        """Make the call's span the parent of the transport spans opened meanwhile."""
        return trace.use_span(span, end_on_exit=False, record_exception=False, set_status_on_exception=False)

    @staticmethod
    def finish(span: trace.Span, *, deployment: Deployment | None, usage: Usage, cost: float, currency: str,
               attempts: int, ttft_ms: float | None = None, response: Any = None, error_code: str | None = None,
               status: str = "success") -> None:
        if span.is_recording():
            attributes: dict[str, Any] = {
                "gen_ai.usage.input_tokens": usage.prompt_tokens, "gen_ai.usage.output_tokens": usage.completion_tokens,
                "llmops.usage.estimated": usage.estimated, "llmops.cost": cost, "llmops.cost.currency": currency,
                "llmops.attempts": attempts, "llmops.status": status}
            if deployment is not None:
                attributes["gen_ai.provider.name"] = _PROVIDERS.get(deployment.provider, deployment.provider)
                attributes["llmops.deployment.id"] = deployment.id
                attributes["gen_ai.response.model"] = deployment.model
            if isinstance(response, dict):
                if isinstance(response.get("model"), str):
                    attributes["gen_ai.response.model"] = response["model"]
                if isinstance(response.get("id"), str):
                    attributes["gen_ai.response.id"] = response["id"]
                reasons = [c.get("finish_reason") for c in response.get("choices") or [] if isinstance(c, dict)]
                if any(isinstance(r, str) for r in reasons):
                    attributes["gen_ai.response.finish_reasons"] = [r for r in reasons if isinstance(r, str)]
            if ttft_ms is not None:
                attributes["llmops.time_to_first_token_ms"] = ttft_ms
            if error_code:
                attributes["error.type"] = error_code
                span.set_status(Status(StatusCode.ERROR, error_code))
            span.set_attributes(attributes)
        span.end()

    @staticmethod
    def fail(span: trace.Span, exc: BaseException) -> None:
        """A bug (not an LLMError) escaped the call: end the span as failed."""
        if span.is_recording():
            span.set_attribute("error.type", type(exc).__qualname__)
            span.set_status(Status(StatusCode.ERROR, type(exc).__qualname__))
        span.end()


class TracedHTTPPool:
    """`HTTPPool.request` with an HTTP client span; everything else is the wrapped pool's."""

    def __init__(self, tracer: trace.Tracer, pool: HTTPPool | None = None) -> None:
        self._own_pool = pool  # None: the process's shared pool, looked up per call (one per worker process)
        self._tracer = tracer
        self._propagator = TraceContextTextMapPropagator()

    @property
    def _pool(self) -> HTTPPool:
        return self._own_pool or shared_http_pool()

    def close(self) -> None:
        self._pool.close()

    def request(self, method: str, url: str, body: bytes | None, headers: dict[str, str], **kwargs: Any) -> Response:
        u = urlsplit(url)
        port = u.port or (443 if u.scheme == "https" else 80)
        attributes = {"http.request.method": method, "server.address": u.hostname or "", "server.port": port,
                      # no query string: some providers take their key there
                      "url.full": f"{u.scheme}://{u.netloc.rpartition('@')[2]}{u.path}"}
        with self._tracer.start_as_current_span(f"{method}", kind=SpanKind.CLIENT, attributes=attributes,
                                                record_exception=False, set_status_on_exception=False) as span:
            headers = dict(headers)
            self._propagator.inject(headers)
            try:
                response = self._pool.request(method, url, body, headers, **kwargs)
            except Exception as exc:
                span.set_attribute("error.type", type(exc).__qualname__)
                span.set_status(Status(StatusCode.ERROR, type(exc).__qualname__))
                raise
            span.set_attribute("http.response.status_code", response.status)
            if response.status >= 400:
                span.set_attribute("error.type", str(response.status))
                span.set_status(Status(StatusCode.ERROR))
            return response

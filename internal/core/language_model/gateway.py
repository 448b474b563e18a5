"""OpenAI-compatible gateway logic (framework-free): validation, rate limits, routing, usage.

The Flask handler only parses JSON, authenticates the API key and turns `LLMError` into the
OpenAI error JSON; everything else happens here so apps and tests can use it without HTTP.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from pkg.json_codec import dumps

from .catalog import LanguageModelCatalog
from .clients import RawChunk
from .errors import InvalidRequestError, LLMError, ModelNotFoundError, RateLimitError, StreamInterruptedError
from .rate_limit import InMemoryRateLimiter, RateLimit, RateLimiter
from .request_checks import (
    CHAT_PASSTHROUGH,
    COMPLETION_PASSTHROUGH,
    EMBEDDING_PASSTHROUGH,
    IMAGE_PASSTHROUGH,
    validate_chat,
    validate_completion,
    validate_embeddings,
    validate_images,
)
from .response_check import check_blocking, check_first_chunk, later_chunk_ok
from .router import Router, StreamRoute
from .router_config import ModelGroup
from .routing import TASK_AWARE, RouteRequest, profile_chat, profile_completion
from .tracing import ModelCallTracer
from .usage import (
    NullUsageSink,
    Usage,
    UsageRecord,
    UsageSink,
    compute_cost,
    count_tokens,
    estimate_messages_tokens,
    estimate_prompt_tokens,
)

log = logging.getLogger(__name__)
DONE = b"data: [DONE]\n\n"


def sse(obj: Any) -> bytes:
    return b"data: " + dumps(obj) + b"\n\n"


@dataclass
class CallContext:
    """Who is calling: used for rate limits, per-account credentials and usage attribution."""

    api_key_id: str | None = None
    account_id: str | None = None
    rate_limit: RateLimit | None = None
    credentials: dict[str, dict[str, Any]] | None = None

    @property
    def rate_key(self) -> str:
        return f"key:{self.api_key_id}" if self.api_key_id else "anonymous"


class LanguageModelGateway:
    def __init__(self, router: Router, catalog: LanguageModelCatalog, usage_sink: UsageSink | None = None,
                 rate_limiter: RateLimiter | None = None, default_rate_limit: RateLimit | None = None,
                 created: int | None = None, tracer: ModelCallTracer | None = None) -> None:
        self.router = router
        self.tracer = tracer  # None: tracing off (no span work at all on the call path)
        self.catalog = catalog
        self.usage_sink = usage_sink or NullUsageSink()
        self.rate_limiter = rate_limiter or InMemoryRateLimiter()
        self.default_rate_limit = default_rate_limit or RateLimit()
        self.created = created or int(time.time())

    # ---------------------------------------------------------------- models ---------------
    def list_models(self, extra: list[dict[str, Any]] | None = None) -> dict[str, Any]:
        data = [{"id": g.name, "object": "model", "created": self.created, "owned_by": g.owned_by
                 if g.owned_by != "llmops" else (g.deployments[0].provider if len(g.deployments) == 1 else "llmops")}
                for g in self.router.public_groups()]
        data.extend(extra or [])
        return {"object": "list", "data": data}

    def model_health(self, model: str, ctx: CallContext | None = None) -> dict[str, Any]:
        return self.router.health(self.router.resolve(model, ctx.credentials if ctx else None,
                                                      ctx.account_id if ctx else None))

    # ---------------------------------------------------------------- helpers --------------
    def _admit(self, ctx: CallContext, prompt_tokens: int) -> None:
        limit = ctx.rate_limit or self.default_rate_limit
        if limit.unlimited:
            return
        d = self.rate_limiter.acquire(ctx.rate_key, limit, prompt_tokens)
        if not d.allowed:
            what = "requests" if d.limit_type == "requests" else "tokens"
            raise RateLimitError(
                f"Rate limit reached for {what} per minute (limit {d.limit}). Please try again in "
                f"{d.retry_after_header}s.", type=what, retry_after=max(1.0, d.retry_after))

    def _needs_estimate(self, ctx: CallContext) -> bool:
        limit = ctx.rate_limit or self.default_rate_limit
        return bool(limit.tpm)

    def _record(self, ctx: CallContext, *, model: str, endpoint: str, started: float, status: str,
                route_dep=None, usage: Usage | None = None, stream: bool = False, ttft_ms: float | None = None,
                attempts: int = 1, error: LLMError | None = None, span=None, response: Any = None) -> None:
        usage = usage or Usage()
        pricing = self.router.pricing_of(route_dep) if route_dep is not None else None
        cost, currency = compute_cost(usage, pricing)
        if span is not None:
            ModelCallTracer.finish(span, deployment=route_dep, usage=usage, cost=cost, currency=currency,
                                   attempts=attempts, ttft_ms=ttft_ms, response=response,
                                   error_code=error.code if error else None, status=status)
        rec = UsageRecord(
            model=model, endpoint=endpoint, status=status, api_key_id=ctx.api_key_id, account_id=ctx.account_id,
            deployment_id=route_dep.id if route_dep else (error.deployment_id if error else None),
            provider=route_dep.provider if route_dep else None, upstream_model=route_dep.model if route_dep else None,
            stream=stream, prompt_tokens=usage.prompt_tokens, completion_tokens=usage.completion_tokens,
            total_tokens=usage.total_tokens, estimated=usage.estimated, cost=cost, currency=currency,
            latency_ms=round((time.perf_counter() - started) * 1000, 3),
            ttft_ms=round(ttft_ms, 3) if ttft_ms is not None else None, attempts=attempts,
            error_code=error.code if error else None,
        )
        try:
            self.usage_sink.emit(rec)
        except Exception:
            pass
        if usage.total_tokens and (ctx.rate_limit or self.default_rate_limit).tpm:
            try:
                self.rate_limiter.record_tokens(ctx.rate_key, usage.total_tokens)
            except Exception:
                pass

    # ---------------------------------------------------------------- blocking -------------
    def _blocking(self, endpoint: str, body: dict[str, Any], ctx: CallContext, model: str,
                  upstream: dict[str, Any], prompt_estimate: int, method: str,
                  completion_text: Any) -> dict[str, Any]:
        started = time.perf_counter()
        self._admit(ctx, prompt_estimate)
        span = self.tracer.start(endpoint, model, upstream) if self.tracer is not None else None
        try:
            group = self.router.resolve(model, ctx.credentials, ctx.account_id)
            self._check_type(group.model_type, endpoint, model)

            def call(c, d):
                return check_blocking(endpoint, getattr(c, method)(d, upstream), d)

            route_request = self._route_request(group, endpoint, body)
            if span is None:
                res = self.router.call(group, call, route_request)
            else:
                with ModelCallTracer.use(span):
                    res = self.router.call(group, call, route_request)
        except LLMError as e:
            self._record(ctx, model=model, endpoint=endpoint, started=started, status="error", error=e, span=span)
            raise
        except Exception as e:
            if span is not None:
                ModelCallTracer.fail(span, e)
            raise
        data = res.data
        usage = Usage.from_openai(data.get("usage") if isinstance(data, dict) else None)
        if usage is None:
            pt = prompt_estimate or self._estimate_prompt(endpoint, body)
            ct = count_tokens(completion_text(data)) if endpoint not in ("embedding", "image") else 0
            usage = Usage(pt, ct, pt + ct, True)
            if isinstance(data, dict) and endpoint != "image":  # image answers carry no usage by default
                data["usage"] = usage.to_openai() if endpoint != "embedding" else {
                    "prompt_tokens": pt, "total_tokens": pt}
        self._record(ctx, model=model, endpoint=endpoint, started=started, status="success",
                     route_dep=res.deployment, usage=usage, attempts=res.attempts, span=span, response=data)
        return data

    @staticmethod
    def _route_request(group: ModelGroup, endpoint: str, body: dict[str, Any]) -> RouteRequest | None:
        """What the request needs, for task_aware groups only (the others never pay for it)."""
        if group.strategy != TASK_AWARE:
            return None
        if endpoint == "chat":
            return profile_chat(body, group.routing.long_document_tokens)
        if endpoint == "completion":
            return profile_completion(body, group.routing.long_document_tokens)
        return None

    @staticmethod
    def _check_type(model_type: str, endpoint: str, model: str) -> None:
        if (endpoint == "image") != (model_type == "image"):
            raise InvalidRequestError(f"The model `{model}` is {'not ' if endpoint == 'image' else ''}an image model.",
                                      param="model", code="model_not_supported")
        if endpoint == "embedding" and model_type != "embedding":
            raise InvalidRequestError(f"The model `{model}` is not an embedding model.", param="model",
                                      code="model_not_supported")
        if endpoint != "embedding" and model_type == "embedding":
            raise InvalidRequestError(f"The model `{model}` is an embedding model.", param="model",
                                      code="model_not_supported")

    @staticmethod
    def _estimate_prompt(endpoint: str, body: dict[str, Any]) -> int:
        if endpoint == "chat":
            return estimate_messages_tokens(body.get("messages") or [], body.get("tools"))
        if endpoint == "completion":
            return estimate_prompt_tokens(body.get("prompt"))
        if endpoint == "image":
            return estimate_prompt_tokens(body.get("prompt"))
        return estimate_prompt_tokens(body.get("input"))

    def chat(self, body: dict[str, Any], ctx: CallContext) -> dict[str, Any]:
        model = validate_chat(body)
        upstream = {k: body[k] for k in CHAT_PASSTHROUGH if k in body}
        est = self._estimate_prompt("chat", body) if self._needs_estimate(ctx) else 0

        def text(d: dict) -> str:
            try:
                msg = d["choices"][0]["message"]
                return (msg.get("content") or "") + "".join(
                    (tc.get("function") or {}).get("arguments", "") for tc in msg.get("tool_calls") or [])
            except (KeyError, IndexError, TypeError):
                return ""

        return self._blocking("chat", body, ctx, model, upstream, est, "chat", text)

    def completion(self, body: dict[str, Any], ctx: CallContext) -> dict[str, Any]:
        model = validate_completion(body)
        upstream = {k: body[k] for k in COMPLETION_PASSTHROUGH if k in body}
        est = self._estimate_prompt("completion", body) if self._needs_estimate(ctx) else 0

        def text(d: dict) -> str:
            try:
                return "".join(c.get("text") or "" for c in d["choices"])
            except (KeyError, TypeError):
                return ""

        return self._blocking("completion", body, ctx, model, upstream, est, "completion", text)

    def embeddings(self, body: dict[str, Any], ctx: CallContext) -> dict[str, Any]:
        model = validate_embeddings(body)
        upstream = {k: body[k] for k in EMBEDDING_PASSTHROUGH if k in body}
        est = self._estimate_prompt("embedding", body) if self._needs_estimate(ctx) else 0
        return self._blocking("embedding", body, ctx, model, upstream, est, "embeddings", lambda d: "")

    def images(self, body: dict[str, Any], ctx: CallContext) -> dict[str, Any]:
        """`/v1/images/generations` for providers that offer it (OpenAI-compatible)."""
        model = validate_images(body)
        upstream = {k: body[k] for k in IMAGE_PASSTHROUGH if k in body}
        est = self._estimate_prompt("image", body) if self._needs_estimate(ctx) else 0
        return self._blocking("image", body, ctx, model, upstream, est, "images", lambda d: "")

    # ---------------------------------------------------------------- streaming ------------
    def chat_stream(self, body: dict[str, Any], ctx: CallContext) -> Iterator[bytes]:
        model = validate_chat(body)
        upstream = {k: body[k] for k in CHAT_PASSTHROUGH if k in body}
        return self._stream("chat", body, ctx, model, upstream, "chat_stream")

    def completion_stream(self, body: dict[str, Any], ctx: CallContext) -> Iterator[bytes]:
        model = validate_completion(body)
        upstream = {k: body[k] for k in COMPLETION_PASSTHROUGH if k in body}
        return self._stream("completion", body, ctx, model, upstream, "completion_stream")

    def _stream(self, endpoint: str, body: dict[str, Any], ctx: CallContext, model: str,
                upstream: dict[str, Any], method: str) -> Iterator[bytes]:
        """Open the stream now (errors before the first chunk raise, so the handler can answer
        with a real status code); return the SSE byte iterator for the response body."""
        include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
        chunks = self._open_chunks(endpoint, body, ctx, model, upstream, method, include_usage, raw=True)
        return self._sse(chunks)

    @staticmethod
    def _sse(chunks: Iterator[tuple[dict[str, Any], bool]]) -> Iterator[bytes]:
        """SSE frames; frames whose successors are already buffered are written together."""
        batch: list[bytes] = []
        try:
            for chunk, more_ready in chunks:
                batch.append(b"data: " + chunk.data + b"\n\n" if isinstance(chunk, RawChunk) else sse(chunk))
                if not more_ready:
                    yield b"".join(batch)
                    batch.clear()
            batch.append(DONE)
            yield b"".join(batch)
        except StreamInterruptedError as e:
            batch.append(sse({"error": {"message": "The upstream model stream was interrupted; the response is "
                                                   "incomplete.", "type": "server_error", "param": None,
                                        "code": e.code}}))
            yield b"".join(batch)
        except Exception:  # a bug must still end the stream with an error event, never silently
            log.exception("gateway stream failed")
            batch.append(sse({"error": {"message": "The stream failed because of an internal error.",
                                        "type": "server_error", "param": None, "code": "internal_error"}}))
            yield b"".join(batch)

    def chat_chunks(self, body: dict[str, Any], ctx: CallContext) -> Iterator[dict[str, Any]]:
        """Streamed chat as OpenAI chunk dicts (for in-process callers such as the LangChain
        adapter). Raises before the first chunk like `chat`; a later upstream break raises
        `StreamInterruptedError` from the iterator. Usage is recorded like on /v1."""
        model = validate_chat(body)
        upstream = {k: body[k] for k in CHAT_PASSTHROUGH if k in body}
        include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
        pairs = self._open_chunks("chat", body, ctx, model, upstream, "chat_stream", include_usage)
        return (chunk for chunk, _ in pairs)

    def _open_chunks(self, endpoint: str, body: dict[str, Any], ctx: CallContext, model: str,
                     upstream: dict[str, Any], method: str, include_usage: bool,
                     raw: bool = False) -> Iterator[tuple[Any, bool]]:
        started = time.perf_counter()
        est = self._estimate_prompt(endpoint, body) if self._needs_estimate(ctx) else 0
        self._admit(ctx, est)
        upstream["stream_options"] = {"include_usage": True}
        # the span ends with the stream (in _relay), when its tokens are known
        span = self.tracer.start(endpoint, model, upstream, stream=True) if self.tracer is not None else None
        try:
            group = self.router.resolve(model, ctx.credentials, ctx.account_id)
            self._check_type(group.model_type, endpoint, model)

            def opener(c, d):
                return ((raw and getattr(c, method + "_raw", None)) or getattr(c, method))(d, upstream)

            route_request = self._route_request(group, endpoint, body)
            if span is None:
                route = self.router.open_stream(group, opener, check_first=check_first_chunk, request=route_request)
            else:
                with ModelCallTracer.use(span):
                    route = self.router.open_stream(group, opener, check_first=check_first_chunk,
                                                    request=route_request)
        except LLMError as e:
            self._record(ctx, model=model, endpoint=endpoint, started=started, status="error", stream=True, error=e,
                         span=span)
            raise
        except Exception as e:
            if span is not None:
                ModelCallTracer.fail(span, e)
            raise
        return self._relay(route, endpoint, body, ctx, model, include_usage, started, est, span)

    @staticmethod
    def _first_chunk(route: StreamRoute) -> Any:
        """The first chunk as a dict (the answering model and id, for the call's span)."""
        try:
            return route.first.parsed() if isinstance(route.first, RawChunk) else route.first
        except LLMError:
            return None

    def _relay(self, route: StreamRoute, endpoint: str, body: dict[str, Any], ctx: CallContext, model: str,
               include_usage: bool, started: float, est: int, span=None) -> Iterator[tuple[Any, bool]]:
        """(chunk, next_is_buffered) pairs; records usage when the stream ends. Chunks are dicts,
        or `RawChunk`s (forwarded as received; parsed only for usage, or for an estimate when the
        upstream sent no usage)."""
        usage: Usage | None = None
        pieces: list[str] = []
        raws: list[RawChunk] = []

        def collect(d: dict[str, Any]) -> None:
            for ch in d.get("choices") or []:
                if endpoint == "chat":
                    delta = ch.get("delta") or {}
                    c = delta.get("content")
                    if c:
                        pieces.append(c)
                    for tc in delta.get("tool_calls") or []:
                        a = (tc.get("function") or {}).get("arguments")
                        if a:
                            pieces.append(a)
                else:
                    t = ch.get("text")
                    if t:
                        pieces.append(t)

        def estimate() -> Usage:
            for r in raws:
                try:
                    collect(r.parsed())
                except StreamInterruptedError:
                    pass
            raws.clear()
            pt = est or self._estimate_prompt(endpoint, body)
            ct = count_tokens("".join(pieces))
            return Usage(pt, ct, pt + ct, True)

        status, error = "success", None
        usage_sent = False
        try:
            chunk = route.first
            it = route.rest
            ready = getattr(it, "ready", None) or (lambda: False)
            while chunk is not None:
                if not later_chunk_ok(chunk):
                    raise StreamInterruptedError("the upstream sent a stream chunk without choices",
                                                 deployment_id=route.deployment.id)
                if isinstance(chunk, RawChunk):
                    if not chunk.has_usage:
                        raws.append(chunk)
                        yield chunk, ready()
                        chunk = next(it, None)
                        continue
                    parsed = chunk.parsed()
                    usage = Usage.from_openai(parsed.get("usage"))
                    if parsed.get("choices"):
                        raws.append(chunk)
                        yield chunk, ready()
                    elif include_usage:
                        usage_sent = True
                        yield chunk, ready()
                    chunk = next(it, None)
                    continue
                u = chunk.get("usage")
                choices = chunk.get("choices")
                if u:
                    usage = Usage.from_openai(u)
                if choices:
                    collect(chunk)
                    if not include_usage and "usage" in chunk:
                        chunk = dict(chunk)
                        chunk.pop("usage", None)
                    yield chunk, ready()
                elif u:
                    if include_usage:
                        usage_sent = True
                        yield chunk, ready()
                else:
                    yield chunk, ready()
                chunk = next(it, None)
            if usage is None:
                usage = estimate()
            if include_usage and not usage_sent:
                first = route.first.parsed() if isinstance(route.first, RawChunk) else (route.first or {})
                yield {"id": first.get("id", ""), "object": "chat.completion.chunk"
                       if endpoint == "chat" else "text_completion", "created": int(time.time()),
                       "model": first.get("model", model), "choices": [],
                       "usage": usage.to_openai()}, False
        except LLMError as e:
            status, error = "error", e
            if not isinstance(e, StreamInterruptedError):
                e = StreamInterruptedError(e.message, deployment_id=route.deployment.id)
                error = e
            self.router.stream_failed(route, e)
            raise e from None
        except GeneratorExit:
            status = "cancelled"
            raise
        except Exception:
            status = "error"
            raise
        finally:
            if usage is None:
                usage = estimate()
            self._record(ctx, model=model, endpoint=endpoint, started=started, status=status,
                         route_dep=route.deployment, usage=usage, stream=True, ttft_ms=route.ttft_ms,
                         attempts=route.attempts, error=error, span=span,
                         response=self._first_chunk(route) if span is not None else None)


__all__ = ["LanguageModelGateway", "CallContext", "sse", "DONE", "ModelNotFoundError"]

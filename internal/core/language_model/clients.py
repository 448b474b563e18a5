"""Provider clients speaking to upstream APIs. All return OpenAI-shaped dicts.

* `OpenAICompatibleClient`: OpenAI, DeepSeek, Moonshot, Zhipu, DashScope, OpenRouter, Ollama,
  vLLM and any OpenAI-compatible base URL, over one keep-alive connection pool per process
  (`http_transport.HTTPPool`, thread-safe) shared by every deployment.
* `AzureOpenAIClient`: same wire format, Azure URL layout and `api-key` header.
* `AnthropicClient` (anthropic_client.py): native Messages API, translated to/from OpenAI shapes.
* `LocalClient` (local_client.py): SmolLM2 GGUF through llama-cpp-python, loaded lazily.
* `client_for_protocol` (client_factory.py): the client for a deployment's protocol.

Streams are returned as iterators of chunk dicts. The iterator raises
`StreamInterruptedError` if the upstream closes without its terminator or sends an error event.
"""
from __future__ import annotations

import email.utils
import json
import threading
import time
from collections.abc import Iterator
from typing import Any, Protocol

from pkg.json_codec import dumps, loads

from .deployment import Deployment
from .errors import (
    InvalidRequestError,
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

    def images(self, dep: Deployment, body: dict[str, Any]) -> dict[str, Any]: ...


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
            from pkg.ssrf import SsrfGuard

            self.url_guard = SsrfGuard()  # nothing allow-listed
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

    def images(self, dep: Deployment, body: dict[str, Any]) -> dict[str, Any]:
        return self._post(dep, "/images/generations", body)

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


def text_of(content: Any) -> str:
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    parts = []
    for p in content:
        if isinstance(p, dict) and p.get("type") == "text":
            parts.append(p.get("text", ""))
    return "".join(parts)

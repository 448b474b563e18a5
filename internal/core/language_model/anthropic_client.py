"""Anthropic's native Messages API, translated to and from OpenAI shapes."""
from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from typing import Any

from pkg.json_codec import loads

from .clients import OpenAICompatibleClient, text_of
from .deployment import Deployment
from .errors import (
    InvalidRequestError,
    StreamInterruptedError,
)
from .http_transport import TransportError

_STOP_REASONS = {"end_turn": "stop", "stop_sequence": "stop", "max_tokens": "length", "tool_use": "tool_calls"}


def openai_to_anthropic(body: dict[str, Any], model: str) -> dict[str, Any]:
    system_parts: list[str] = []
    messages: list[dict[str, Any]] = []
    for m in body.get("messages") or []:
        role = m.get("role")
        if role in ("system", "developer"):
            system_parts.append(text_of(m.get("content")))
        elif role == "tool":
            block = {"type": "tool_result", "tool_use_id": m.get("tool_call_id"), "content": text_of(m.get("content"))}
            if messages and messages[-1]["role"] == "user" and isinstance(messages[-1]["content"], list):
                messages[-1]["content"].append(block)
            else:
                messages.append({"role": "user", "content": [block]})
        elif role == "assistant":
            blocks: list[dict[str, Any]] = []
            text = text_of(m.get("content"))
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

    def images(self, dep: Deployment, body: dict[str, Any]) -> dict[str, Any]:
        raise InvalidRequestError("Anthropic does not offer image generation")

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

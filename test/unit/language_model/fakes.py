"""In-memory provider client scripted per deployment model name (no HTTP)."""
from __future__ import annotations

from collections import Counter, deque
from collections.abc import Iterator
from typing import Any

from internal.core.language_model.deployment import Deployment
from internal.core.language_model.errors import LLMError, StreamInterruptedError


def chat_response(model: str, text: str = "ok", usage: bool = True) -> dict[str, Any]:
    data = {"id": "chatcmpl-1", "object": "chat.completion", "created": 1, "model": model,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}]}
    if usage:
        data["usage"] = {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}
    return data


def chunk(model: str, content: str | None = None, finish: str | None = None) -> dict[str, Any]:
    delta = {} if content is None else {"content": content}
    return {"id": "c1", "object": "chat.completion.chunk", "created": 1, "model": model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}


class ScriptedClient:
    """`script[model]` is a deque of outcomes: an LLMError instance to raise, or "ok"."""

    def __init__(self, script: dict[str, list[Any]] | None = None, text: str = "ok", usage: bool = True) -> None:
        self.script = {k: deque(v) for k, v in (script or {}).items()}
        self.calls: Counter = Counter()
        self.bodies: list[dict[str, Any]] = []
        self.text = text
        self.usage = usage
        self.stream_break_after: dict[str, int] = {}

    def _next(self, dep: Deployment) -> None:
        self.calls[dep.model] += 1
        q = self.script.get(dep.model)
        if q:
            outcome = q.popleft() if len(q) > 1 else q[0]  # last outcome repeats forever
            if isinstance(outcome, LLMError):
                raise outcome

    def chat(self, dep: Deployment, body: dict[str, Any]) -> dict[str, Any]:
        self.bodies.append(body)
        self._next(dep)
        return chat_response(dep.model, self.text, self.usage)

    completion = chat

    def embeddings(self, dep: Deployment, body: dict[str, Any]) -> dict[str, Any]:
        self._next(dep)
        return {"object": "list", "data": [{"object": "embedding", "index": 0, "embedding": [0.1]}], "model": dep.model}

    def chat_stream(self, dep: Deployment, body: dict[str, Any]) -> Iterator[dict[str, Any]]:
        self.bodies.append(body)

        def gen() -> Iterator[dict[str, Any]]:
            self._next(dep)  # errors surface on the first next(), like a real HTTP stream
            words = self.text.split()
            for i, w in enumerate(words):
                if dep.model in self.stream_break_after and i >= self.stream_break_after[dep.model]:
                    raise StreamInterruptedError("broken", deployment_id=dep.id)
                yield chunk(dep.model, (" " if i else "") + w)
            yield chunk(dep.model, None, "stop")
            if self.usage:
                yield {"id": "c1", "object": "chat.completion.chunk", "created": 1, "model": dep.model, "choices": [],
                       "usage": {"prompt_tokens": 7, "completion_tokens": len(words),
                                 "total_tokens": 7 + len(words)}}

        return gen()

    completion_stream = chat_stream

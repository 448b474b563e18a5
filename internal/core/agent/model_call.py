"""One streamed model call: text deltas out as they come, tool calls and usage gathered.

The text and the tool calls are assembled here from the chunks (no per-chunk message merging),
and `control.check()` runs before the call and after every chunk: stopping or timing out
raises out of the loop, and the `finally` closes the model's stream (and so its upstream
connection) at once.
"""
from __future__ import annotations

import json
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from langchain_core.language_models import LanguageModelInput
from langchain_core.messages import BaseMessage
from langchain_core.runnables import Runnable

from .control import RunControl


@dataclass
class ToolCallRequest:
    id: str
    name: str
    args: dict[str, Any]
    args_error: str = ""          # the arguments were not a JSON object


@dataclass
class ModelReply:
    text: str = ""
    tool_calls: list[ToolCallRequest] = field(default_factory=list)
    usage: dict[str, int] | None = None
    latency: float = 0.0


def content_text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):  # content blocks
        return "".join(b if isinstance(b, str) else str(b.get("text") or "") for b in content
                       if isinstance(b, str) or b.get("type") in (None, "text"))
    return ""


def _add_usage(total: dict[str, int] | None, more: dict[str, Any]) -> dict[str, int]:
    total = dict(total or {})
    for k in ("input_tokens", "output_tokens", "total_tokens"):
        total[k] = total.get(k, 0) + int(more.get(k) or 0)
    return total


class ModelCall:
    """Iterate for ("text", delta) and ("tool", name) items; then read `.reply`."""

    def __init__(self, model: Runnable[LanguageModelInput, Any], messages: Sequence[BaseMessage],
                 control: RunControl) -> None:
        self.model, self.messages, self.control = model, list(messages), control
        self.reply = ModelReply()

    def __iter__(self) -> Iterator[tuple[str, str]]:
        self.control.check()
        started = time.perf_counter()
        pieces: list[str] = []
        calls: dict[int, dict[str, Any]] = {}
        usage: dict[str, int] | None = None
        stream = iter(self.model.stream(self.messages))
        try:
            for chunk in stream:
                self.control.check()
                text = content_text(chunk.content)
                if text:
                    pieces.append(text)
                    yield "text", text
                for tc in getattr(chunk, "tool_call_chunks", None) or ():
                    slot = calls.setdefault(int(tc.get("index") or 0), {"id": None, "name": "", "args": ""})
                    if tc.get("id") and not slot["id"]:
                        slot["id"] = tc["id"]
                    if tc.get("name"):
                        slot["name"] += tc["name"]
                    if tc.get("args"):
                        slot["args"] += tc["args"] if isinstance(tc["args"], str) else json.dumps(tc["args"])
                    yield "tool", slot["name"]
                if getattr(chunk, "usage_metadata", None):
                    usage = _add_usage(usage, chunk.usage_metadata)
        finally:
            close = getattr(stream, "close", None)
            if close is not None:
                close()
        self.reply = ModelReply(text="".join(pieces), tool_calls=[_request(i, s) for i, s in sorted(calls.items())],
                                usage=usage, latency=time.perf_counter() - started)


def _request(index: int, slot: dict[str, Any]) -> ToolCallRequest:
    raw = slot["args"].strip() or "{}"
    call_id = slot["id"] or f"call_{index}"
    try:
        args = json.loads(raw)
    except ValueError:
        return ToolCallRequest(call_id, slot["name"], {}, "the tool arguments are not valid JSON")
    if not isinstance(args, dict):
        return ToolCallRequest(call_id, slot["name"], {}, "the tool arguments must be a JSON object")
    return ToolCallRequest(call_id, slot["name"], args)

"""Token usage, cost and usage records.

Token counts come from the provider's `usage` when it gives one. Otherwise we estimate them
(`estimated=True` on the record): tiktoken's cl100k_base when its encoding file is already in
the local tiktoken cache (we never download it at run time), else a character heuristic
(~4 chars/token for Latin text, 1 token per CJK character).

Recording is off the request's critical path: `BufferedUsageSink.emit()` only appends to a
bounded in-memory queue; a daemon thread flushes batches to a writer callable (the service's
bulk insert) every `flush_interval` seconds or `batch_size` records, and once more at exit.
If the queue is full, records are dropped and counted (never blocks a request).
"""
from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from pkg.buffered_writer import BufferedWriter

from .entities import Pricing

log = logging.getLogger(__name__)

# ------------------------------------------------------------------------------------------
# token estimate
# ------------------------------------------------------------------------------------------
_TIKTOKEN_URL = "https://openaipublic.blob.core.windows.net/encodings/cl100k_base.tiktoken"
_encoder: Any = None
_encoder_checked = False
_encoder_lock = threading.Lock()


def _tiktoken_cached() -> bool:
    cache_dir = os.environ.get("TIKTOKEN_CACHE_DIR") or os.environ.get("DATA_GYM_CACHE_DIR") or os.path.join(
        tempfile.gettempdir(), "data-gym-cache")
    key = hashlib.sha1(_TIKTOKEN_URL.encode()).hexdigest()
    return os.path.isfile(os.path.join(cache_dir, key))


def _get_encoder() -> Any:
    """cl100k_base if it can be loaded without the network, else None (checked once)."""
    global _encoder, _encoder_checked
    if not _encoder_checked:
        with _encoder_lock:
            if not _encoder_checked:
                try:
                    if _tiktoken_cached():
                        import tiktoken

                        _encoder = tiktoken.get_encoding("cl100k_base")
                except Exception:  # corrupted cache, missing package...
                    _encoder = None
                _encoder_checked = True
    return _encoder


def _is_cjk(ch: str) -> bool:
    o = ord(ch)
    return 0x3000 <= o <= 0x9FFF or 0xAC00 <= o <= 0xD7AF or 0xF900 <= o <= 0xFAFF or 0x20000 <= o <= 0x2FFFF


_CJK_RE = __import__("re").compile("[\u3000-\u9fff\uac00-\ud7af\uf900-\ufaff\U00020000-\U0002ffff]")


def heuristic_token_count(text: str) -> int:
    if not text:
        return 0
    cjk = len(_CJK_RE.findall(text)) if not text.isascii() else 0
    other = len(text) - cjk
    return cjk + (other + 3) // 4


def count_tokens(text: str) -> int:
    enc = _get_encoder()
    if enc is not None:
        return len(enc.encode(text, disallowed_special=()))
    return heuristic_token_count(text)


def _content_text(content: Any) -> str:
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(p.get("text", "") for p in content if isinstance(p, dict))
    return str(content)


def estimate_messages_tokens(messages: list[dict[str, Any]], tools: list[Any] | None = None) -> int:
    """OpenAI-style estimate: ~4 tokens framing per message + 3 for the reply priming."""
    total = 3
    for m in messages or []:
        total += 4 + count_tokens(_content_text(m.get("content")))
        for tc in m.get("tool_calls") or []:
            fn = tc.get("function") or {}
            total += count_tokens(fn.get("name", "")) + count_tokens(fn.get("arguments", ""))
    if tools:
        import json

        total += count_tokens(json.dumps(tools))
    return total


def estimate_prompt_tokens(prompt: Any) -> int:
    if isinstance(prompt, list):
        return sum(count_tokens(p) if isinstance(p, str) else len(p) for p in prompt)
    return count_tokens(prompt or "")


# ------------------------------------------------------------------------------------------
# usage and cost
# ------------------------------------------------------------------------------------------
@dataclass
class Usage:
    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0
    estimated: bool = False

    @classmethod
    def from_openai(cls, usage: dict[str, Any] | None) -> Usage | None:
        if not usage:
            return None
        pt = int(usage.get("prompt_tokens") or 0)
        ct = int(usage.get("completion_tokens") or 0)
        return cls(pt, ct, int(usage.get("total_tokens") or pt + ct), False)

    def to_openai(self) -> dict[str, int]:
        return {"prompt_tokens": self.prompt_tokens, "completion_tokens": self.completion_tokens,
                "total_tokens": self.total_tokens}


def compute_cost(usage: Usage, pricing: Pricing | None) -> tuple[float, str]:
    if pricing is None:
        return 0.0, "USD"
    return pricing.cost(usage.prompt_tokens, usage.completion_tokens), pricing.currency


@dataclass
class UsageRecord:
    """One request through the model layer (gateway or in-app)."""

    model: str
    endpoint: str  # chat | completion | embedding
    status: str  # success | error
    id: str = ""  # assigned by the writer (keeps uuid generation off the request thread)
    api_key_id: str | None = None
    account_id: str | None = None
    deployment_id: str | None = None
    provider: str | None = None
    upstream_model: str | None = None
    stream: bool = False
    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0
    estimated: bool = False
    cost: float = 0.0
    currency: str = "USD"
    latency_ms: float = 0.0
    ttft_ms: float | None = None
    attempts: int = 1
    error_code: str | None = None
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class UsageSink(Protocol):
    def emit(self, record: UsageRecord) -> None: ...


class NullUsageSink:
    def emit(self, record: UsageRecord) -> None:
        pass


class MemoryUsageSink:
    """Keeps records in a list (tests, debugging)."""

    def __init__(self) -> None:
        self.records: list[UsageRecord] = []
        self._lock = threading.Lock()

    def emit(self, record: UsageRecord) -> None:
        with self._lock:
            self.records.append(record)


class BufferedUsageSink(BufferedWriter[UsageRecord]):
    """Non-blocking sink (pkg.buffered_writer): `emit()` appends to an in-memory deque; one
    background thread per process writes batches of `batch_size` every `flush_interval` seconds.
    Beyond `max_queue` pending records new ones are dropped (and counted)."""

    def __init__(self, writer: Callable[[list[UsageRecord]], None], *, batch_size: int = 200,
                 flush_interval: float = 1.0, max_queue: int = 100_000) -> None:
        super().__init__(writer, batch_size=batch_size, flush_interval=flush_interval, max_queue=max_queue,
                         name="usage-sink")

"""Is an upstream 200 a usable answer? A provider (or a proxy in front of it) can answer 200 with
a body that is not a completion (`{"object": "chat.completion", "foo": 1}`); relaying it would
hand the client `choices: null`. Such answers are upstream failures (502, retried and failed over
like a 5xx), checked for every protocol before anything reaches the client."""
from __future__ import annotations

from typing import Any

from .clients import RawChunk
from .deployment import Deployment
from .errors import StreamInterruptedError, UpstreamError

INVALID_RESPONSE = "upstream_invalid_response"


def _invalid(dep: Deployment, what: str) -> UpstreamError:
    return UpstreamError(f"[{dep.id}] the upstream answered 200 without {what}", code=INVALID_RESPONSE,
                         deployment_id=dep.id)


def _choices_ok(data: Any, field: str | None) -> bool:
    choices = data.get("choices") if isinstance(data, dict) else None
    if not isinstance(choices, list) or not choices:
        return False
    return all(isinstance(c, dict) and (field is None or isinstance(c.get(field), dict)) for c in choices)


def check_blocking(endpoint: str, data: Any, dep: Deployment) -> Any:
    """The answer itself when usable, else `UpstreamError` (502 `upstream_invalid_response`)."""
    if endpoint == "embedding":
        rows = data.get("data") if isinstance(data, dict) else None
        if not isinstance(rows, list) or not all(isinstance(r, dict) and "embedding" in r for r in rows):
            raise _invalid(dep, "embedding data")
        return data
    if endpoint == "image":
        rows = data.get("data") if isinstance(data, dict) else None
        if not isinstance(rows, list) or not rows or not all(
                isinstance(r, dict) and ("url" in r or "b64_json" in r) for r in rows):
            raise _invalid(dep, "image data")
        return data
    if not _choices_ok(data, "message" if endpoint == "chat" else None):
        raise _invalid(dep, "valid choices")
    return data


def check_first_chunk(chunk: Any, dep: Deployment) -> None:
    """The first stream chunk decides whether the stream is committed to: it must carry a
    `choices` array (or be a usage-only chunk)."""
    try:
        data = chunk.parsed() if isinstance(chunk, RawChunk) else chunk
    except StreamInterruptedError:
        raise _invalid(dep, "a valid stream chunk") from None
    if not isinstance(data, dict) or not (isinstance(data.get("choices"), list) or data.get("usage")):
        raise _invalid(dep, "valid choices")


def later_chunk_ok(chunk: Any) -> bool:
    """Cheap check of a chunk after the first (the relay forwards raw bytes unparsed)."""
    if isinstance(chunk, RawChunk):
        return b'"choices"' in chunk.data or chunk.has_usage
    return isinstance(chunk, dict) and (isinstance(chunk.get("choices"), list) or bool(chunk.get("usage")))

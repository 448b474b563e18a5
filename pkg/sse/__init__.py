"""Server-sent event frames, each one `bytes` object so a server writes it in ONE write.

The console's SSE reader loses a frame whose bytes arrive in two network reads, so a frame is
always built whole (`event: <name>\\ndata: <one-line JSON>\\n\\n`) and never split by the caller.
JSON from `pkg.json_codec` never contains a raw newline (they are escaped inside strings), so
`data:` is always exactly one line. Keep-alives: `PING_COMMENT` (`: ping`, ignored by every SSE
parser; for streams whose every event must carry a fixed shape, such as workflow debug) or a
`ping` event built with `frame("ping", {...})` (chat streams, whose first frame carries ids).
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from pkg.json_codec import dumps, loads

PING_COMMENT = b": ping\n\n"


def frame(event: str, data: Any) -> bytes:
    """One SSE frame. `data` is JSON-encoded (or passed through when already JSON bytes)."""
    if not event or "\n" in event or "\r" in event:
        raise ValueError("an SSE event name must be one non-empty line")
    body = data if isinstance(data, bytes | bytearray) else dumps(data)
    if b"\n" in body or b"\r" in body:
        raise ValueError("SSE data must be one line of JSON")
    return b"event: " + event.encode("utf-8") + b"\ndata: " + bytes(body) + b"\n\n"


def comment(text: str = "ping") -> bytes:
    if "\n" in text or "\r" in text:
        raise ValueError("an SSE comment must be one line")
    return b": " + text.encode("utf-8") + b"\n\n"


def parse(chunks: Iterable[bytes]) -> Iterator[tuple[str, Any]]:
    """(event, decoded data) for each complete frame of a byte stream; comments are skipped.

    For clients and tests: tolerant of frames split across chunks (unlike the console)."""
    buf = b""
    for chunk in chunks:
        buf += chunk
        while b"\n\n" in buf:
            raw, buf = buf.split(b"\n\n", 1)
            event, data = "message", None
            for line in raw.split(b"\n"):
                if line.startswith(b":"):
                    continue
                if line.startswith(b"event:"):
                    event = line[6:].strip().decode("utf-8")
                elif line.startswith(b"data:"):
                    data = line[5:].strip()
            if data is not None:
                yield event, loads(data)


__all__ = ["PING_COMMENT", "comment", "frame", "parse"]

"""The lean SSE client of bench.chat_streams: raw asyncio streams, no HTTP library.

httpx's asyncio client cost more CPU per stream than the server did (stop 17: ~27 new streams
a second on the shared cores), so the client, not the server, set the open rate. Here a stream
is one socket: the HTTP/1.1 request bytes are written once, the status line and headers are
read and checked (200, `text/event-stream`), then the body is only scanned for `event: ping`
and `event: error` (chunked framing does not matter: chunk-size lines never contain them).
"""
from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from dataclasses import dataclass, field

PING = b"event: ping"
ERROR = b"event: error"
_CARRY = max(len(PING), len(ERROR)) - 1  # a marker split across two reads is still seen once


@dataclass
class StreamState:
    requested: float = 0.0
    answered: float = 0.0  # status line and headers read
    opened: float = 0.0  # first SSE frame read (the ping with the ids)
    pings: int = 0
    last_ping: float = 0.0
    max_gap: float = 0.0  # the longest silence between two pings once open (seconds)
    error: str = ""
    closing: bool = False  # the bench is closing it: EOF is expected from now on


@dataclass
class Streams:
    """Every stream of the run and what went wrong, by kind."""
    n: int
    states: list[StreamState] = field(init=False)
    errors: Counter = field(default_factory=Counter)
    samples: dict[str, str] = field(default_factory=dict)
    settled_count: int = 0  # streams opened or failed before opening (kept as a count: the ramp reads it often)

    def __post_init__(self) -> None:
        self.states = [StreamState() for _ in range(self.n)]

    def fail(self, i: int, kind: str, detail: str = "") -> None:
        state = self.states[i]
        if state.error:
            return  # one error per stream
        if not state.opened:
            self.settled_count += 1
        state.error = kind
        self.errors[kind] += 1
        self.samples.setdefault(kind, detail[:200])

    def mark_opened(self, i: int) -> None:
        self.states[i].opened = time.monotonic()
        self.settled_count += 1

    def settled(self) -> int:
        """Streams whose fate is known: opened, or failed."""
        return self.settled_count

    def opened(self) -> int:
        return sum(1 for s in self.states if s.opened)

    def open_now(self) -> int:
        return sum(1 for s in self.states if s.opened and not s.error)

    def answered(self) -> int:
        return sum(1 for s in self.states if s.answered)


def chat_request(host: str, port: int, path: str, headers: dict[str, str], query: str) -> bytes:
    body = json.dumps({"query": query}).encode()
    head = [f"POST {path} HTTP/1.1", f"Host: {host}:{port}", "Content-Type: application/json",
            "Accept: text/event-stream", f"Content-Length: {len(body)}"]
    head += [f"{k}: {v}" for k, v in headers.items()]
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


async def hold_one(streams: Streams, i: int, host: str, port: int, request: bytes) -> None:
    """Open stream i and read it until cancelled; every way it can fail is counted."""
    state = streams.states[i]
    state.requested = time.monotonic()
    writer = None
    try:
        reader, writer = await asyncio.open_connection(host, port)
        writer.write(request)
        head = await reader.readuntil(b"\r\n\r\n")
        state.answered = time.monotonic()
        status_line, _, rest = head.partition(b"\r\n")
        if status_line.split(b" ", 2)[1:2] != [b"200"]:
            return streams.fail(i, "status " + status_line.decode(errors="replace"), head.decode(errors="replace"))
        if b"text/event-stream" not in rest.lower():
            return streams.fail(i, "not text/event-stream", head.decode(errors="replace"))
        tail = b""
        while True:
            chunk = await reader.read(65536)
            if not chunk:
                if not state.closing:
                    streams.fail(i, "closed by the server")
                return
            window = tail + chunk
            if ERROR in window:
                return streams.fail(i, "event: error", window[window.index(ERROR):][:200].decode(errors="replace"))
            pings = window.count(PING) - tail.count(PING)
            if pings:
                now = time.monotonic()
                if not state.opened:
                    streams.mark_opened(i)
                else:
                    state.max_gap = max(state.max_gap, now - state.last_ping)
                state.last_ping = now
            state.pings += pings
            tail = window[-_CARRY:]
    except asyncio.CancelledError:
        raise
    except asyncio.IncompleteReadError as exc:
        streams.fail(i, "closed before the headers", repr(exc))
    except OSError as exc:  # resets, refused, timeouts: each counted by its class
        streams.fail(i, type(exc).__name__, repr(exc))
    finally:
        if writer is not None:
            writer.transport.abort()  # no FIN handshake to wait for: 10,000 of them close at once

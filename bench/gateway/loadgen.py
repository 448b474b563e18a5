"""A small closed-loop HTTP/1.1 load generator on asyncio (keep-alive, one connection per
virtual user), cheap enough that the client does not dominate a 2-core machine."""
from __future__ import annotations

import asyncio
import json
import os
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit


@dataclass
class Result:
    latencies: list[float] = field(default_factory=list)  # seconds
    ttfts: list[float] = field(default_factory=list)
    errors: int = 0
    elapsed: float = 0.0

    @staticmethod
    def pct(values: list[float], p: float) -> float:
        if not values:
            return float("nan")
        s = sorted(values)
        k = min(len(s) - 1, max(0, int(round(p / 100 * (len(s) - 1)))))
        return s[k]

    def merge(self, other: Result) -> None:
        self.latencies += other.latencies
        self.ttfts += other.ttfts
        self.errors += other.errors
        self.elapsed += other.elapsed

    def summary(self) -> dict:
        n = len(self.latencies)
        return {
            "requests": n, "errors": self.errors, "rps": n / self.elapsed if self.elapsed else 0.0,
            "p50_ms": self.pct(self.latencies, 50) * 1000, "p95_ms": self.pct(self.latencies, 95) * 1000,
            "p99_ms": self.pct(self.latencies, 99) * 1000,
            "ttft_p50_ms": self.pct(self.ttfts, 50) * 1000, "ttft_p95_ms": self.pct(self.ttfts, 95) * 1000,
        }


class Conn:
    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def ensure(self) -> None:
        if self.writer is None or self.writer.is_closing():
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
            sock = self.writer.get_extra_info("socket")
            if sock is not None:
                import socket

                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.writer = None

    async def request(self, raw: bytes, stream: bool, t0: float) -> tuple[int, float]:
        """Send and read one response. Returns (status, ttft_seconds)."""
        await self.ensure()
        assert self.reader and self.writer
        self.writer.write(raw)
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ")[1])
        headers = {}
        for line in lines[1:]:
            k, _, v = line.partition(":")
            headers[k.strip().lower()] = v.strip()
        ttft = 0.0
        if "content-length" in headers:
            await self.reader.readexactly(int(headers["content-length"]))
            ttft = time.perf_counter() - t0
        elif headers.get("transfer-encoding", "").lower() == "chunked":
            first = True
            while True:
                size_line = await self.reader.readuntil(b"\r\n")
                size = int(size_line.strip().split(b";")[0], 16)
                if size == 0:
                    await self.reader.readuntil(b"\r\n")
                    break
                data = await self.reader.readexactly(size + 2)
                if first and (not stream or b"data:" in data):
                    ttft = time.perf_counter() - t0
                    first = False
        else:  # read to close
            await self.reader.read()
            ttft = time.perf_counter() - t0
            self.close()
        if headers.get("connection", "").lower() == "close":
            self.close()
        return status, ttft


def build_request(url: str, body: dict, api_key: str | None) -> tuple[str, int, bytes]:
    u = urlsplit(url)
    payload = json.dumps(body).encode()
    h = [f"POST {u.path} HTTP/1.1", f"Host: {u.hostname}:{u.port}", "Content-Type: application/json",
         f"Content-Length: {len(payload)}", "Connection: keep-alive"]
    if api_key:
        h.append(f"Authorization: Bearer {api_key}")
    return u.hostname or "127.0.0.1", u.port or 80, ("\r\n".join(h) + "\r\n\r\n").encode() + payload


async def _run(url: str, body: dict, api_key: str | None, concurrency: int, duration: float,
               warmup: float) -> Result:
    host, port, raw = build_request(url, body, api_key)
    stream = bool(body.get("stream"))
    res = Result()
    start = time.perf_counter()
    measure_from = start + warmup
    stop_at = measure_from + duration

    async def user() -> None:
        conn = Conn(host, port)
        try:
            while True:
                t0 = time.perf_counter()
                if t0 >= stop_at:
                    return
                try:
                    status, ttft = await conn.request(raw, stream, t0)
                    ok = status == 200
                except (OSError, asyncio.IncompleteReadError, ValueError):
                    conn.close()
                    ok, ttft = False, 0.0
                t1 = time.perf_counter()
                if t0 >= measure_from:
                    if ok:
                        res.latencies.append(t1 - t0)
                        res.ttfts.append(ttft)
                    else:
                        res.errors += 1
        finally:
            conn.close()

    await asyncio.gather(*(user() for _ in range(concurrency)))
    res.elapsed = time.perf_counter() - measure_from
    return res


def run(url: str, body: dict, api_key: str | None, concurrency: int, duration: float = 5.0,
        warmup: float = 1.0) -> Result:
    return asyncio.run(_run(url, body, api_key, concurrency, duration, warmup))


def server_cpu_seconds(root_pid: int) -> float:
    """utime + stime (seconds) of `root_pid` and its direct children (gunicorn master + workers),
    from /proc; a worker that exits between two readings drops out of the sum."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                fields = f.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        # fields[0] is the state (field 3); ppid is field 4, utime 14, stime 15
        if int(entry) == root_pid or int(fields[1]) == root_pid:
            total += int(fields[11]) + int(fields[12])
    return total / tick

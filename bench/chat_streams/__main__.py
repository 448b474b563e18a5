"""`make bench` → bench.chat_streams: open debug-chat streams held by ONE production web worker
(gunicorn's gevent worker, PostgreSQL, Redis) while the model is slow (issue 11 budget: 10,000
open streams, RSS < 2 GB, no errors, pings flowing).

Each stream is a real `POST /apps/<id>/conversations`: the message row, the agent run (a
greenlet waiting on the fake upstream, which delays its first byte by --upstream-delay), the
channel reader and the SSE response. An asyncio client opens --streams of them at --rate per
second, then holds them all for --hold seconds counting `ping` frames; it reports the worker's
peak RSS, errors and pings per stream.

    python -m bench.chat_streams [--streams 10000] [--rate 100] [--hold 20]
"""
from __future__ import annotations

import argparse
import asyncio
import resource
import sys
import tempfile
import time
from pathlib import Path

import httpx

from bench.proc_stats import cpu_seconds
from test.support.fake_openai.process import start_fake_upstream
from test.support.live_stack import live_stack


def rss_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def worker_pid(master: int) -> int:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return int(children[0]) if children else master


async def hold_streams(url: str, headers: dict, app_id: str, n: int, rate: float, hold: float, pid: int,
                       window: float) -> int:
    limits = httpx.Limits(max_connections=n + 10, max_keepalive_connections=0)
    pings = [0] * n
    opened = [False] * n
    errors: list[str] = []
    peak = 0.0
    async with httpx.AsyncClient(base_url=url, headers=headers, limits=limits, timeout=None) as client:
        async def one(i: int) -> None:
            try:
                async with client.stream("POST", f"/apps/{app_id}/conversations", json={"query": f"hold {i}"}) as res:
                    if res.status_code != 200:
                        errors.append(f"HTTP {res.status_code}")
                        return
                    async for chunk in res.aiter_raw():
                        if not opened[i]:
                            opened[i] = True
                        if b"event: error" in chunk:
                            errors.append(chunk[:200].decode(errors="replace"))
                            return
                        pings[i] += chunk.count(b"event: ping")
                        if time.monotonic() > end[0]:
                            return
            except Exception as exc:  # counted, never hidden
                errors.append(repr(exc)[:200])

        t0, cpu0 = time.monotonic(), cpu_seconds(pid)
        end = [float("inf")]  # set once every stream is requested: a client slower than --rate still holds them all
        tasks = []
        for i in range(n):
            tasks.append(asyncio.create_task(one(i)))
            await asyncio.sleep(max(0.0, t0 + (i + 1) / rate - time.monotonic()))
            if i % 500 == 0:
                peak = max(peak, rss_mb(pid))
        print(f"  {n} streams requested in {time.monotonic() - t0:.1f} s")
        opening_cpu = cpu_seconds(pid) - cpu0
        end[0] = time.monotonic() + hold + window + 1
        while time.monotonic() < end[0] - window - 1:
            await asyncio.sleep(1)
            peak = max(peak, rss_mb(pid))
        open_now = sum(opened)
        hold_cpu0, hold_t0 = cpu_seconds(pid), time.monotonic()
        snapshot = list(pings)
        await asyncio.sleep(window)
        flowing = sum(1 for a, b in zip(snapshot, pings, strict=True) if b > a)
        holding = (cpu_seconds(pid) - hold_cpu0) / max(1e-9, time.monotonic() - hold_t0)
        await asyncio.gather(*tasks)
    print(f"  streams opened: {open_now}/{n}; pings still flowing (last {window:.0f} s): {flowing}/{n}")
    print(f"  pings per stream: min {min(pings)} median {sorted(pings)[n // 2]}; errors: {len(errors)}"
          + (f", e.g. {errors[0]}" if errors else ""))
    print(f"  web worker CPU: {opening_cpu / n * 1000:.2f} ms per stream opened; "
          f"{holding * 100:.0f} % of a core while holding {open_now} streams")
    print(f"  web worker peak RSS: {peak:.0f} MB (budget < 2048 MB)")
    ok = open_now == n and not errors and peak < 2048 and flowing == n
    print(f"  budget (all {n} open, no errors, pings flowing, RSS < 2 GB): {'OK' if ok else 'MISSED'}")
    return 0 if ok else 1


def main() -> int:
    ap = argparse.ArgumentParser(prog="bench.chat_streams")
    ap.add_argument("--streams", type=int, default=10_000)
    ap.add_argument("--rate", type=float, default=100.0, help="new streams per second")
    ap.add_argument("--hold", type=float, default=20.0, help="seconds every stream stays open")
    ap.add_argument("--upstream-delay", type=float, default=0.0, help="seconds before the model's first byte "
                                                                     "(default 3600: longer than the whole run)")
    ap.add_argument("--ping-interval", type=float, default=5.0, help="AGENT_PING_INTERVAL_SECONDS")
    ap.add_argument("--strict", action="store_true")
    args = ap.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = min(hard, max(soft, 4 * args.streams + 1000))
    resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))  # the server and the upstream inherit it
    # the model must stay silent for the whole run: a ramp slower than --rate (a saturated client)
    # must not let the first streams' answers arrive while the last ones open
    delay_ms = int((args.upstream_delay or 3600) * 1000)
    with tempfile.TemporaryDirectory(prefix="bench-chat-streams-") as tmp:
        upstream, upstream_url = start_fake_upstream(Path(tmp) / "upstream.log")
        router = Path(tmp) / "router.yaml"  # the slow model must outlive the run: no 60 s upstream timeout
        router.write_text("settings:\n  timeout: 3600\n  num_retries: 0\n")
        env = {"GUNICORN_WORKER_CLASS": None, "LOG_LEVEL": "WARNING", "GUNICORN_TIMEOUT": "3600",
               "GUNICORN_WORKER_CONNECTIONS": str(args.streams * 2 + 100), "LLM_ROUTER_CONFIG": str(router)}
        try:
            with live_stack(Path(tmp), "bench_chat_streams", 9, env, workers=1, SSRF_ALLOWED_HOSTS=["127.0.0.1"],
                            AGENT_PING_INTERVAL_SECONDS=args.ping_interval, AGENT_STREAM_MAX_SECONDS=3600.0,
                            SQLALCHEMY_POOL_SIZE=20) as s:
                h = s.account.headers
                with httpx.Client(base_url=s.url, headers=h, timeout=30) as http:
                    http.post("/language-model-credentials/openai", json={"config": {
                        "api_key": "sk-bench-1234567890",
                        "base_url": f"{upstream_url}/_behave/delay-{delay_ms}/v1"}}).raise_for_status()
                    app_id = http.post("/apps", json={"name": "hold", "icon": "https://cdn.example.com/i.png",
                                                      "description": ""}).json()["data"]["id"]
                    http.post(f"/apps/{app_id}/draft-app-config", json={"model_config": {
                        "provider": "openai", "model": "gpt-4o-mini", "parameters": {}}}).raise_for_status()
                pid = worker_pid(s.server.proc.pid)
                print(f"  worker pid {pid}, RSS before: {rss_mb(pid):.0f} MB")
                rc = asyncio.run(hold_streams(s.url, h, app_id, args.streams, args.rate, args.hold, pid,
                                              args.ping_interval * 1.5))
                problems = [line for line in (Path(tmp) / "server.log").read_text(errors="replace").splitlines()
                            if "Error" in line or "failed" in line]
                if problems:  # what the server said about the failures
                    print(f"  server log: {len(problems)} error lines, e.g.\n    " + "\n    ".join(problems[:6]))
        finally:
            upstream.stop()
    return rc if args.strict else 0


if __name__ == "__main__":
    sys.exit(main())

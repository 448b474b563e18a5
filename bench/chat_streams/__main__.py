"""`make bench` → bench.chat_streams: open debug-chat streams held by ONE production web worker
(gunicorn's gevent worker, PostgreSQL, Redis) while the model is slow (issue 11 budget: 10,000
open streams, RSS < 2 GB, no errors, pings flowing).

Each stream is a real `POST /apps/<id>/conversations`: the message row, the agent run (a
greenlet waiting on the fake upstream, which stays silent for the whole run), the channel
reader and the SSE response. A lean asyncio client (client.py: raw sockets) requests --streams
of them at --rate per second with at most --max-pending not answered yet (a client faster than
the worker would otherwise queue greenlets on the database pool until its timeout answers
"busy"), waits until EVERY one has answered (status 200 and its first
frame) or failed — bounded by --open-timeout — then holds them all for --hold seconds and
counts whose `ping` frames still flow. Any non-200, any `event: error`, any reset or early
close is an error. It reports the sustained open rate, the worker's CPU per stream opened and
while holding, its peak RSS and open files, the accept queue, and what the server log says.

    python -m bench.chat_streams [--streams 10000] [--rate 100] [--max-pending 32] [--hold 20] [--strict]
"""
from __future__ import annotations

import argparse
import asyncio
import shutil
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from bench.chat_streams.hold import Plan, hold_streams
from bench.chat_streams.server_stats import fd_limit, raise_fd_limit, rss_mb, somaxconn, worker_pid
from test.support.environment import bench_redis_url
from test.support.fake_openai.process import start_fake_upstream
from test.support.live_stack import live_stack

SERVER_LOG_MARKERS = ("Error", "error", "failed", "Traceback", "Too many open files", "WORKER TIMEOUT")


def create_app(url: str, headers: dict, upstream_url: str, delay_ms: int) -> str:
    with httpx.Client(base_url=url, headers=headers, timeout=30) as http:
        http.post("/language-model-credentials/openai", json={"config": {
            "api_key": "sk-bench-1234567890",
            "base_url": f"{upstream_url}/_behave/delay-{delay_ms}/v1"}}).raise_for_status()
        app_id = http.post("/apps", json={"name": "hold", "icon": "https://cdn.example.com/i.png",
                                          "description": ""}).json()["data"]["id"]
        http.post(f"/apps/{app_id}/draft-app-config", json={"model_config": {
            "provider": "openai", "model": "gpt-4o-mini", "parameters": {}}}).raise_for_status()
    return app_id


def server_log_problems(log: Path) -> list[str]:
    lines = log.read_text(errors="replace").splitlines()
    return [line for line in lines if any(m in line for m in SERVER_LOG_MARKERS)]


def main() -> int:
    ap = argparse.ArgumentParser(prog="bench.chat_streams")
    ap.add_argument("--streams", type=int, default=10_000)
    ap.add_argument("--rate", type=float, default=100.0, help="new streams requested per second")
    ap.add_argument("--max-pending", type=int, default=32,
                    help="streams requested but not yet answered, at most (0: open loop at --rate)")
    ap.add_argument("--hold", type=float, default=20.0, help="seconds all streams stay open once every one answered")
    ap.add_argument("--open-timeout", type=float, default=900.0,
                    help="seconds after the last request that the streams may take to answer")
    ap.add_argument("--ping-interval", type=float, default=5.0, help="AGENT_PING_INTERVAL_SECONDS")
    ap.add_argument("--backlog", type=int, default=4096, help="GUNICORN_BACKLOG (the kernel caps it at somaxconn)")
    ap.add_argument("--strict", action="store_true")
    args = ap.parse_args()
    # the worker holds a client socket AND an upstream socket per stream; the upstream and this client one each
    soft, hard = raise_fd_limit(4 * args.streams + 1000)
    print(f"  open files limit {soft}/{hard}; net.core.somaxconn {somaxconn()}")
    delay_ms = 3_600_000  # the model stays silent for the whole run, however slowly the streams open
    with tempfile.TemporaryDirectory(prefix="bench-chat-streams-") as tmp:
        upstream, upstream_url = start_fake_upstream(Path(tmp) / "upstream.log")
        router = Path(tmp) / "router.yaml"  # the slow model must outlive the run: no 60 s upstream timeout
        router.write_text("settings:\n  timeout: 3600\n  num_retries: 0\n")
        env = {"GUNICORN_WORKER_CLASS": None, "LOG_LEVEL": "WARNING", "GUNICORN_TIMEOUT": "3600",
               "GUNICORN_WORKER_CONNECTIONS": str(args.streams * 2 + 100), "GUNICORN_BACKLOG": str(args.backlog),
               "LLM_ROUTER_CONFIG": str(router)}
        try:
            with live_stack(Path(tmp), "bench_chat_streams", bench_redis_url(), env, workers=1, SSRF_ALLOWED_HOSTS=["127.0.0.1"],
                            AGENT_PING_INTERVAL_SECONDS=args.ping_interval, AGENT_STREAM_MAX_SECONDS=3600.0,
                            SQLALCHEMY_POOL_SIZE=20) as s:
                app_id = create_app(s.url, s.account.headers, upstream_url, delay_ms)
                pid = worker_pid(s.server.proc.pid)
                address = urlsplit(s.url)
                print(f"  worker pid {pid}, open files limit {fd_limit(pid)}, RSS before: {rss_mb(pid):.0f} MB")
                plan = Plan(address.hostname, address.port, f"/apps/{app_id}/conversations", s.account.headers,
                            args.streams, args.rate, args.max_pending, args.hold, args.ping_interval * 1.5, args.open_timeout, pid,
                            urlsplit(upstream_url).port)
                started = time.monotonic()
                ok = asyncio.run(hold_streams(plan))
                print(f"  whole run {time.monotonic() - started:.0f} s")
                problems = server_log_problems(Path(tmp) / "server.log")
                print(f"  server log: {len(problems)} error lines" + (
                    ", e.g.\n    " + "\n    ".join(p[:300] for p in problems[:6]) if problems else ""))
                if problems:  # kept past the temporary directory, to read the tracebacks
                    kept = Path(tempfile.gettempdir()) / f"bench-chat-streams-server-{pid}.log"
                    shutil.copyfile(Path(tmp) / "server.log", kept)
                    print(f"  server log kept as {kept}")
                ok = ok and not problems
                print(f"  budget (all {args.streams} open, no errors, pings flowing, RSS < 2 GB): "
                      f"{'OK' if ok else 'MISSED'}")
        finally:
            upstream.stop()
    return 0 if ok or not args.strict else 1


if __name__ == "__main__":
    sys.exit(main())

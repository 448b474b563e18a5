"""`make bench` → bench.chat: what a chat turn costs on the production server (gunicorn's gevent
worker, PostgreSQL, Redis) against an upstream that answers at once (the fake upstream process).

Per surface — the debug pane (`POST /apps/<id>/conversations`, SSE) and `/openapi/chat`
(streaming, and blocking) — at concurrency 1 and 20 (client threads, closed loop):
  first frame   the first SSE frame (the `ping` with the ids; everything before it is ours:
                auth, config, agent setup, the message row, the run started, the channel read)
  first answer  the first `agent_message` frame (one model call through the gateway included)
  total         until the stream ends (or the blocking answer arrives)
and, as the baseline, the same model call straight to the upstream (`direct`, streaming, time to
its first content chunk). Budget: the first frame at concurrency 1 ≤ 5 ms p50 (it is all our
overhead). --strict exits 1 when missed.

    python -m bench.chat [--duration 4] [--strict]
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import httpx

from bench.closed_loop import pct, run
from internal.service.api_key_service import ApiKeyService
from test.support.environment import bench_redis_url
from test.support.fake_openai.process import start_fake_upstream
from test.support.live_stack import live_stack

BUDGET_FIRST_FRAME_MS = 5.0


def sse_call(client: httpx.Client, url: str, body: dict, headers: dict) -> tuple[float, float, float]:
    """(first frame, first answer frame, total) seconds of one streamed chat."""
    t0 = time.perf_counter()
    first = answer = 0.0
    with client.stream("POST", url, json=body, headers=headers) as res:
        buf = b""
        for chunk in res.iter_raw():
            now = time.perf_counter()
            if not first:
                first = now - t0
            buf += chunk
            if not answer and (b"event: agent_message" in buf or b'"content":"' in buf):
                answer = now - t0
    return first, answer, time.perf_counter() - t0


def blocking_call(client: httpx.Client, url: str, body: dict, headers: dict) -> tuple[float, float, float]:
    t0 = time.perf_counter()
    res = client.post(url, json=body, headers=headers)
    res.raise_for_status()
    total = time.perf_counter() - t0
    return total, total, total


def report(name: str, concurrency: int, samples: list[tuple[float, float, float]]) -> None:
    cols = list(zip(*samples, strict=True)) if samples else [[], [], []]
    print(f"{name:>16} c={concurrency:<3} n={len(samples):<5} " + "  ".join(
        f"{label} p50 {pct(list(vals), 0.5):7.2f} p95 {pct(list(vals), 0.95):7.2f}"
        for label, vals in zip(("first", "answer", "total"), cols, strict=True)) + "  (ms)")


def main() -> int:
    ap = argparse.ArgumentParser(prog="bench.chat")
    ap.add_argument("--duration", type=float, default=4.0, help="seconds per surface and concurrency")
    ap.add_argument("--strict", action="store_true")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-chat-") as tmp:
        upstream, upstream_url = start_fake_upstream(Path(tmp) / "upstream.log")
        env = {"GUNICORN_WORKER_CLASS": None, "LOG_LEVEL": "WARNING"}  # the production default: gevent
        try:
            with live_stack(Path(tmp), "bench_chat", bench_redis_url(), env, workers=1, SSRF_ALLOWED_HOSTS=["127.0.0.1"],
                            API_KEY_RATE_LIMIT="1000000/minute") as s:
                return bench(s, upstream_url, args)
        finally:
            upstream.stop()


def bench(s, upstream_url: str, args) -> int:
    auth = s.account.headers
    with httpx.Client(base_url=s.url, headers=auth, timeout=30) as http:
        http.post("/language-model-credentials/openai", json={"config": {
            "api_key": "sk-bench-1234567890", "base_url": upstream_url + "/v1"}}).raise_for_status()
        app_id = http.post("/apps", json={"name": "bench", "icon": "https://cdn.example.com/i.png",
                                          "description": ""}).json()["data"]["id"]
        http.post(f"/apps/{app_id}/draft-app-config", json={
            "model_config": {"provider": "openai", "model": "gpt-4o-mini", "parameters": {}}}).raise_for_status()
        assert http.post(f"/apps/{app_id}/publish").json()["code"] == "success"
    with s.app.app_context():
        _, key = s.app.extensions["injector"].get(ApiKeyService).create_api_key(s.account.account_id, True, "bench")
    api = {"Authorization": f"Bearer {key}"}
    direct_body = {"model": "gpt-4o-mini", "stream": True,
                   "messages": [{"role": "user", "content": "hello"}]}
    surfaces = {
        "direct": lambda c: sse_call(c, upstream_url + "/v1/chat/completions", direct_body,
                                     {"Authorization": "Bearer sk-bench-1234567890"}),
        "debug chat": lambda c: sse_call(c, f"{s.url}/apps/{app_id}/conversations", {"query": "hello"}, auth),
        "openapi stream": lambda c: sse_call(c, s.url + "/openapi/chat",
                                             {"app_id": app_id, "query": "hello", "stream": True}, api),
        "openapi blocking": lambda c: blocking_call(c, s.url + "/openapi/chat",
                                                    {"app_id": app_id, "query": "hello", "stream": False}, api),
    }
    for call in surfaces.values():  # warm-up: connections, caches, the first agent build
        run(call, 1, 0.5)
    ok = True
    for concurrency in (1, 20):
        for name, call in surfaces.items():
            samples = run(call, concurrency, args.duration)
            report(name, concurrency, samples)
            if name == "debug chat" and concurrency == 1:
                first = pct([x[0] for x in samples], 0.5)
                ok = first <= BUDGET_FIRST_FRAME_MS
                print(f"   first frame p50 {first:.2f} ms (budget <= {BUDGET_FIRST_FRAME_MS} ms: "
                      f"{'OK' if ok else 'MISSED'})")
    return 0 if ok or not args.strict else 1


if __name__ == "__main__":
    sys.exit(main())

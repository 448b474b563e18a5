"""`make bench` → bench.gateway: closed-loop load through our /v1 gateway vs. the fake upstream.

Starts the fake OpenAI upstream (its own process), a fresh PostgreSQL database + Redis (the
production components), and our server under gunicorn with the production config
(app/http/gunicorn_conf.py); then runs concurrency 1 and 20, blocking and streaming, against
the upstream directly and through the gateway, and prints RPS, p50/p95/p99 latency, TTFT and
the ratios against the budget (c=1: gateway adds <= 2 ms p50; c=20: >= 10 % of direct RPS).

Options: --duration S (per scenario, default 5), --workers N, --worker-class K (default: the
production class), --threads N (gthread only). The gateway rows also report the gunicorn CPU
time (master + workers, /proc utime + stime) per request.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

from bench.gateway.loadgen import Result, run, server_cpu_seconds

ROOT = Path(__file__).resolve().parents[2]
MODEL = "bench-model"


def _production_worker_class() -> str:
    import runpy

    return runpy.run_path(str(ROOT / "app/http/gunicorn_conf.py"))["worker_class"]


def main() -> int:
    ap = argparse.ArgumentParser(prog="bench.gateway")
    ap.add_argument("--duration", type=float, default=float(os.environ.get("BENCH_DURATION", 5)))
    ap.add_argument("--warmup", type=float, default=1.0)
    ap.add_argument("--rounds", type=int, default=5, help="alternating direct/gateway slices per scenario")
    ap.add_argument("--strict", action="store_true", help="exit 1 when a budget is missed")
    ap.add_argument("--workers", type=int, default=int(os.environ.get("BENCH_GATEWAY_WORKERS", 2)))
    ap.add_argument("--threads", type=int, default=int(os.environ.get("BENCH_GATEWAY_THREADS", 16)),
                    help="threads per worker (gthread only)")
    ap.add_argument("--worker-class", default=os.environ.get("BENCH_GATEWAY_WORKER_CLASS"),
                    help="gunicorn worker class (default: the production one in app/http/gunicorn_conf.py)")
    args = ap.parse_args(sys.argv[1:])

    from internal.service.api_key_service import ApiKeyService
    from test.support.environment import bench_redis_url
    from test.support.fake_openai.process import start_fake_upstream
    from test.support.live_stack import live_stack

    tmp = Path(tempfile.mkdtemp(prefix="llmops-bench-gateway-"))
    upstream, upstream_url = start_fake_upstream(tmp / "upstream.log")
    (tmp / "router.yaml").write_text(
        f"model_groups:\n  {MODEL}:\n    deployments:\n"
        f"      - {{id: bench, provider: openai_compatible, model: {MODEL}, api_base: \"{upstream_url}/v1\"}}\n")
    env = {"LLM_ROUTER_CONFIG": str(tmp / "router.yaml"), "GUNICORN_THREADS": str(args.threads)}
    if args.worker_class:
        env["GUNICORN_WORKER_CLASS"] = args.worker_class
    try:
        with live_stack(tmp, "bench_gateway", bench_redis_url(), env, workers=args.workers, API_KEY_RATE_LIMIT="1000000/minute",
                        ENV="production", LOG_LEVEL="WARNING") as stack:
            with stack.app.app_context():
                _, api_key = stack.app.extensions["injector"].get(ApiKeyService).create_api_key(
                    stack.account.account_id, True, "bench")
            return _measure(args, upstream_url, stack.url, api_key, stack.server.proc.pid)
    finally:
        upstream.stop()


def _measure(args, upstream_url: str, gateway_url: str, api_key: str, server_pid: int) -> int:
    """Direct vs gateway, c=1 and 20, blocking and streaming; prints the rows and the budget check."""
    worker_class = args.worker_class or _production_worker_class()
    per_worker = f"{args.threads} threads" if worker_class == "gthread" else "greenlets"
    print(f"gunicorn: {args.workers} workers x {per_worker} ({worker_class}); "
          f"PostgreSQL + Redis; {args.duration:.0f}s per target and scenario in {args.rounds} alternating "
          f"slices, after {args.warmup:.0f}s warm-up", flush=True)

    rows = []
    for stream in (False, True):
        body = {"model": MODEL, "messages": [{"role": "user", "content": "Hello, benchmark!"}],
                "max_tokens": 32}
        if stream:
            body.update(stream=True, stream_options={"include_usage": True})
        for concurrency in (1, 20):
            # direct and gateway are measured in alternating slices so that background load on
            # the shared machine hits both paths alike
            results = {"direct": Result(), "gateway": Result()}
            targets = (("direct", upstream_url, None), ("gateway", gateway_url, api_key))
            for _target, url, key in targets:  # warm-up (connections, caches, lazy loads)
                run(url + "/v1/chat/completions", body, key, concurrency, args.warmup, 0.0)
            cpu = 0.0  # gunicorn CPU seconds (master + workers) during the gateway slices
            for _ in range(args.rounds):
                for target, url, key in targets:
                    before = server_cpu_seconds(server_pid) if target == "gateway" else 0.0
                    results[target].merge(run(url + "/v1/chat/completions", body, key, concurrency,
                                              args.duration / args.rounds, 0.0))
                    if target == "gateway":
                        cpu += server_cpu_seconds(server_pid) - before
            for target, _url, _key in targets:
                s = results[target].summary()
                s.update(target=target, concurrency=concurrency, mode="stream" if stream else "blocking")
                if target == "gateway" and s["requests"]:
                    s["server_cpu_ms_per_request"] = cpu * 1000 / s["requests"]
                rows.append(s)
                cpu_note = (f"  server_cpu={s['server_cpu_ms_per_request']:.2f}ms/req"
                            if "server_cpu_ms_per_request" in s else "")
                print(f"{s['mode']:<8} c={concurrency:<2} {target:<7} rps={s['rps']:8.1f}  "
                      f"p50={s['p50_ms']:7.2f}ms p95={s['p95_ms']:7.2f}ms p99={s['p99_ms']:7.2f}ms  "
                      f"ttft_p50={s['ttft_p50_ms']:7.2f}ms  n={s['requests']} errors={s['errors']}{cpu_note}",
                      flush=True)

    print("\nbudget check (gateway vs direct):")
    ok_all = True
    for mode in ("blocking", "stream"):
        d1, g1, d20, g20 = (next(r for r in rows if r["mode"] == mode and r["concurrency"] == c
                                 and r["target"] == t)
                            for c, t in ((1, "direct"), (1, "gateway"), (20, "direct"), (20, "gateway")))
        added = g1["p50_ms"] - d1["p50_ms"]
        ratio = g20["rps"] / d20["rps"] if d20["rps"] else 0.0
        ok1, ok20 = added <= 2.0, ratio >= 0.10
        ok_all &= ok1 and ok20 and g1["errors"] == 0 and g20["errors"] == 0
        print(f"  {mode:<8} c=1 added p50 {added:+.2f} ms (<= 2 ms: {'OK' if ok1 else 'MISS'}); "
              f"c=20 gateway/direct rps {ratio * 100:.1f}% (>= 10%: {'OK' if ok20 else 'MISS'}); "
              f"ttft c=1 added {g1['ttft_p50_ms'] - d1['ttft_p50_ms']:+.2f} ms")
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "gateway.json").write_text(json.dumps({"when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                                                  "config": vars(args), "rows": rows}, indent=2))
    print(f"results: {out / 'gateway.json'}")
    return 0 if ok_all else 1


if __name__ == "__main__":
    # exit non-zero only with --strict: `make bench` runs every bench package in one process
    if main() and "--strict" in sys.argv:
        sys.exit(1)

"""`make bench` → bench.tools: what our tool layer adds to one HTTP-backed tool call.

The same local endpoint (the fake upstream's GET /health, its own process on 127.0.0.1) is
called two ways, alternating in slices so drift hits both alike:
  raw   — a GET on one pooled httpx.Client shared by the threads (a hand-written tool);
  tool  — ToolResolverService.resolve(builtin webpage/http_request) + input validation + invoke
          (GuardedHttpClient: guard decision, vetted connect on new connections, size cap,
          deadline) + result rendering and cap — everything an agent step pays.
At concurrency 1 and 20 (threads, closed loop) it prints p50/p95 per call and the p50 added by
the tool layer, and this process's CPU time per call (client side: steadier than wall time
on a busy machine); budget: <= 2 ms p50 added at concurrency 1 (--strict exits 1 when missed).
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

from app.http.app import create_app
from internal.core.tools.base import ToolCallContext, ToolRef, ToolType
from internal.service.tool.tool_resolver_service import ToolResolverService
from test.support.environment import make_test_config
from test.support.fake_openai.process import start_fake_upstream

BUDGET_MS = 2.0


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def _run(fn, concurrency: int, seconds: float) -> list[float]:
    """Closed loop: each thread sets up its caller first (clients, app context), then all start
    together and call until the deadline."""
    latencies: list[float] = []
    lock = threading.Lock()
    ready = threading.Barrier(concurrency + 1)
    window = {"stop_at": 0.0}

    def worker() -> None:
        call = fn()
        ready.wait()
        mine = []
        while time.perf_counter() < window["stop_at"]:
            t0 = time.perf_counter()
            call()
            mine.append(time.perf_counter() - t0)
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for t in threads:
        t.start()
    window["stop_at"] = time.perf_counter() + 3600
    ready.wait()
    window["stop_at"] = time.perf_counter() + seconds
    for t in threads:
        t.join()
    return latencies


def tool_caller(app, ref: ToolRef, ctx: ToolCallContext, arguments: dict):
    """Per thread: a function calling the tool through the resolver, as an agent's step does."""
    def make():
        app.app_context().push()  # one app context per thread, as an agent run has
        resolver = app.extensions["injector"].get(ToolResolverService)

        def call():
            result = resolver.resolve(ref, ctx).invoke(arguments)
            if not result.ok:
                raise RuntimeError(result.text)
        return call
    return make


def compare_ways(raw, tool, args) -> bool:
    """Alternate raw and tool calls at concurrency 1 and 20; print p50/p95, client CPU per call and
    the p50 the tool layer adds; True when the c=1 budget holds."""
    ok = True
    print(f"{'c':>3} {'way':>5} {'calls':>7} {'p50 ms':>8} {'p95 ms':>8} {'cpu us/call':>11}")
    for concurrency in (1, 20):
        _run(raw, concurrency, 0.5), _run(tool, concurrency, 0.5)  # warm-up
        got: dict[str, list[float]] = {"raw": [], "tool": []}
        cpu = {"raw": 0.0, "tool": 0.0}
        for _ in range(args.rounds):
            for way, fn in (("raw", raw), ("tool", tool)):
                t0 = time.process_time()
                got[way] += _run(fn, concurrency, args.duration / args.rounds)
                cpu[way] += time.process_time() - t0
        for way, lat in got.items():
            print(f"{concurrency:>3} {way:>5} {len(lat):>7} {_pct(lat, 0.5):>8.3f} {_pct(lat, 0.95):>8.3f}"
                  f" {cpu[way] / len(lat) * 1e6:>9.0f}")
        added = _pct(got["tool"], 0.5) - _pct(got["raw"], 0.5)
        mean_added = (statistics.fmean(got["tool"]) - statistics.fmean(got["raw"])) * 1000
        verdict = ""
        if concurrency == 1:
            verdict = f"  (budget <= {BUDGET_MS:.1f} ms: {'OK' if added <= BUDGET_MS else 'MISSED'})"
            ok = ok and added <= BUDGET_MS
        print(f"{concurrency:>3} added p50 {added:.3f} ms, mean {mean_added:.3f} ms{verdict}")
    return ok


def main() -> int:
    ap = argparse.ArgumentParser(prog="bench.tools")
    ap.add_argument("--duration", type=float, default=3.0, help="seconds per scenario and way")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--strict", action="store_true")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-tools-") as tmp:
        proc, url = start_fake_upstream(Path(tmp) / "upstream.log")
        try:
            port = url.rsplit(":", 1)[1]
            conf = make_test_config(Path(tmp), SSRF_ALLOWED_HOSTS=[f"127.0.0.1:{port}"])
            app = create_app(conf)
            target = f"{url}/health"
            ref = ToolRef(type=ToolType.BUILTIN, provider_id="webpage", tool_id="http_request")
            account = ToolCallContext(account_id=__import__("uuid").uuid4())

            shared = httpx.Client(trust_env=False, limits=httpx.Limits(max_keepalive_connections=20))

            def raw():  # one pooled client shared by the threads, as the tool layer's is
                return lambda: shared.get(target).raise_for_status()

            ok = compare_ways(raw, tool_caller(app, ref, account, {"url": target}), args)
        finally:
            proc.stop()
    return 0 if ok or not args.strict else 1


if __name__ == "__main__":
    sys.exit(main())

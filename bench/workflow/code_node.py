"""`python -m bench.workflow.code_node`: latency of a trivial code-node run through the sandbox.

Runs `def main(params): return {...}` through CodeSandbox (bubblewrap + seccomp + rlimits, the
warm pool of one-shot processes) and prints p50/p95/p99 and runs/s for:
  - warm, c=1, paced at --rate runs/s (a code node among other nodes: the budget's scenario)
  - warm, c=1, back-to-back (the pool drains: this measures how fast sandboxes can be started)
  - warm, c=2 (two callers at once)
  - cold (pool size 0: every run starts bubblewrap + an interpreter), for comparison
Budget (issue 12): code node p50 <= 50 ms. Options: --runs N, --pool N, --strict (exit 1 when
the budget is missed).
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor

from pkg.sandbox import CodeSandbox, SandboxSettings

BUDGET_P50_MS = 50.0
CODE = "def main(params):\n    return {'sum': params['a'] + params['b'], 'text': params['s'].upper()}\n"
PARAMS = {"a": 1, "b": 2, "s": "code node"}


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def _one(box: CodeSandbox) -> float:
    started = time.perf_counter()
    out = box.run(CODE, PARAMS)
    elapsed = (time.perf_counter() - started) * 1000
    assert out == {"sum": 3, "text": "CODE NODE"}, out
    return elapsed


def scenario(name: str, *, pool: int, runs: int, concurrency: int, interval: float = 0.0) -> float:
    box = CodeSandbox(SandboxSettings(pool_size=pool))
    try:
        box.self_test()
        for _ in range(3):
            _one(box)  # the first runs after start-up
        deadline = time.monotonic() + 5.0  # let the pool finish warming before measuring
        while time.monotonic() < deadline and pool and len(box._pool._idle) < pool:
            time.sleep(0.01)
        started = time.perf_counter()
        if concurrency == 1:
            latencies = []
            for i in range(runs):
                latencies.append(_one(box))
                pause = started + (i + 1) * interval - time.perf_counter()
                if pause > 0:
                    time.sleep(pause)  # paced: a code node among a workflow's other nodes
        else:
            with ThreadPoolExecutor(max_workers=concurrency) as executor:
                latencies = list(executor.map(lambda _: _one(box), range(runs)))
        wall = time.perf_counter() - started
    finally:
        box.close()
    p50 = statistics.median(latencies)
    print(f"{name:<34} runs={runs:<4} p50={p50:6.1f} ms  p95={_percentile(latencies, 0.95):6.1f} ms  "
          f"p99={_percentile(latencies, 0.99):6.1f} ms  {runs / wall:6.1f} runs/s", flush=True)
    return p50


def main() -> int:
    ap = argparse.ArgumentParser(prog="bench.workflow.code_node")
    ap.add_argument("--runs", type=int, default=200)
    ap.add_argument("--pool", type=int, default=2, help="warm pool size (CODE_SANDBOX_POOL_SIZE)")
    ap.add_argument("--rate", type=float, default=10.0, help="runs/s of the paced scenario (the budget's)")
    ap.add_argument("--strict", action="store_true")
    args = ap.parse_args(sys.argv[1:])
    warm = scenario(f"warm pool={args.pool}, c=1, {args.rate:g} runs/s", pool=args.pool, runs=args.runs,
                    concurrency=1, interval=1 / args.rate)
    scenario(f"warm pool={args.pool}, c=1 back-to-back", pool=args.pool, runs=args.runs, concurrency=1)
    scenario(f"warm pool={args.pool}, c=2 back-to-back", pool=args.pool, runs=args.runs, concurrency=2)
    scenario("cold (pool=0), c=1", pool=0, runs=max(args.runs // 4, 10), concurrency=1)
    verdict = "within" if warm <= BUDGET_P50_MS else "OVER"
    load = os.getloadavg()[0]
    print(f"budget: code node p50 <= {BUDGET_P50_MS:g} ms -> paced warm p50 {warm:.1f} ms, {verdict} budget "
          f"(load average {load:.1f} on {os.cpu_count()} cores)")
    return 1 if args.strict and warm > BUDGET_P50_MS else 0


if __name__ == "__main__":
    raise SystemExit(main())

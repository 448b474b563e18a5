"""Workflow runs through the API on the production server (``python -m bench.workflow.api``):
gunicorn's gevent worker (one process), PostgreSQL, Redis, a published start → end workflow,
with the run on a thread of the server (`--runs-on process`: frames through the Redis run
channel), on a Celery worker process (`--runs-on worker`, the production default: the server
enqueues `workflow.execute_run` and reads the run's frames from Redis), and on the embedded
layout (`--runs-on embedded`: SQLite, the in-process channel, a thread of the server).

`POST /openapi/workflows/<id>/run` blocking (the result) and streaming (the engine's events:
time to the first event, `run_started`, and to the end), at concurrency 1 and 4 (client
threads, closed loop), next to the API surface's floor (`GET /openapi/whoami`: API-key auth and
rate limit, nothing else). Runs per second are given per second of the server's own CPU
(user + system of the gunicorn worker, read from /proc; with `worker`, plus the Celery worker's),
since other processes share the machine. Budgets (issue 12): ≥ 150 start → end runs/s per core through the API; first event
p50 ≤ 5 ms. --strict exits 1 when missed. Every run writes its rows (header, one row per node,
result) and holds a Redis lease, as in production.

    python -m bench.workflow.api [--duration 4] [--runs-on all|embedded|process|worker] [--strict]
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx
from sqlalchemy import update

from bench.closed_loop import pct, run
from bench.proc_stats import cpu_seconds as process_cpu_seconds
from internal.model.workflow import Workflow
from internal.schema.workflow_schema import CreateWorkflowReq
from internal.service.api_key_service import ApiKeyService
from internal.service.workflow.workflow_service import WorkflowService
from pkg.sqlalchemy import SQLAlchemy
from test.support.environment import bench_redis_url
from test.support.live_stack import live_stack

BUDGET_RUNS_PER_CPU_S = 150.0
BUDGET_FIRST_EVENT_MS = 5.0
GRAPH = {
    "nodes": [
        {"id": "start", "node_type": "start", "title": "start", "inputs": [{"name": "q", "type": "string"}]},
        {"id": "end", "node_type": "end", "title": "end", "outputs": [
            {"name": "q", "type": "string", "value": {"type": "ref", "content": {"ref_node_id": "start",
                                                                                   "ref_var_name": "q"}}}]},
    ],
    "edges": [{"id": "e0", "source": "start", "source_type": "start", "target": "end", "target_type": "end"}],
}


def server_cpu_seconds(master_pid: int) -> float:
    """User + system CPU of a process and its children (gunicorn's master and workers, a Celery worker)."""
    pids = [master_pid]
    try:
        pids += [int(p) for p in Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()]
    except OSError:
        pass
    return sum(process_cpu_seconds(pid) for pid in pids)


def blocking(client: httpx.Client, url: str, headers: dict) -> tuple[float, float]:
    t0 = time.perf_counter()
    res = client.post(url, json={"inputs": {"q": "x"}}, headers=headers)
    res.raise_for_status()
    total = time.perf_counter() - t0
    return total, total


def baseline(client: httpx.Client, url: str, headers: dict) -> tuple[float, float]:
    """The API surface's floor: an authenticated request that does nothing (`/openapi/whoami`)."""
    t0 = time.perf_counter()
    client.get(url, headers=headers).raise_for_status()
    total = time.perf_counter() - t0
    return total, total


def streaming(client: httpx.Client, url: str, headers: dict) -> tuple[float, float]:
    t0 = time.perf_counter()
    first = 0.0
    with client.stream("POST", url, json={"inputs": {"q": "x"}, "stream": True}, headers=headers) as res:
        for _ in res.iter_raw():
            if not first:
                first = time.perf_counter() - t0
    return first, time.perf_counter() - t0


def main() -> int:
    ap = argparse.ArgumentParser(prog="bench.workflow.api")
    ap.add_argument("--duration", type=float, default=4.0, help="seconds per mode and concurrency")
    ap.add_argument("--runs-on", choices=("all", "embedded", "process", "worker"), default="all")
    ap.add_argument("--strict", action="store_true")
    args = ap.parse_args()
    failed = 0
    for runs_on in (("embedded", "process", "worker") if args.runs_on == "all" else (args.runs_on,)):
        with tempfile.TemporaryDirectory(prefix="bench-workflow-") as tmp:
            env = {"GUNICORN_WORKER_CLASS": None, "LOG_LEVEL": "WARNING",  # the production default: gevent
                   "WORKFLOW_RUNS_ON": "process" if runs_on == "embedded" else runs_on}
            layout = "embedded" if runs_on == "embedded" else "production"
            with live_stack(Path(tmp), "bench_wf", bench_redis_url(), env, workers=1, worker=runs_on == "worker", layout=layout,
                            API_KEY_RATE_LIMIT="1000000/minute") as s:
                print(f"-- runs on: {runs_on}")
                failed |= bench(s, args)
    return failed


def publish(s) -> tuple[str, str]:
    injector = s.app.extensions["injector"]
    db = injector.get(SQLAlchemy)
    with s.app.app_context():
        workflow = injector.get(WorkflowService).create_workflow(
            s.account.account_id, CreateWorkflowReq(name="bench", tool_call_name=f"b{uuid.uuid4().hex[:8]}", icon="/i"))
        with db.auto_commit():  # published as publish leaves it (graph = the checked draft)
            db.session.execute(update(Workflow).where(Workflow.id == workflow.id)
                               .values(graph=GRAPH, draft_graph=GRAPH, status="published"))
        _, key = injector.get(ApiKeyService).create_api_key(s.account.account_id, True, "bench")
    return str(workflow.id), key


def bench(s, args) -> int:
    wf_id, key = publish(s)
    url, headers = f"{s.url}/openapi/workflows/{wf_id}/run", {"Authorization": f"Bearer {key}"}
    modes = {"whoami": lambda c: baseline(c, f"{s.url}/openapi/whoami", headers),
             "blocking": lambda c: blocking(c, url, headers), "streaming": lambda c: streaming(c, url, headers)}
    for call in modes.values():  # warm-up: connections, caches
        run(call, 1, 0.5)
    pids = [s.server.proc.pid] + ([s.worker.proc.pid] if s.worker is not None else [])

    def cpu_seconds() -> float:
        return sum(server_cpu_seconds(pid) for pid in pids)

    def worker_cpu_seconds() -> float:
        return server_cpu_seconds(pids[1]) if len(pids) > 1 else 0.0

    ok = True
    for concurrency in (1, 4):
        for name, call in modes.items():
            cpu0, wcpu0, t0 = cpu_seconds(), worker_cpu_seconds(), time.perf_counter()
            samples = run(call, concurrency, args.duration)
            cpu, wall = cpu_seconds() - cpu0, time.perf_counter() - t0
            wcpu = worker_cpu_seconds() - wcpu0
            firsts, totals = [x[0] for x in samples], [x[1] for x in samples]
            per_cpu = len(samples) / cpu if cpu > 0 else float("nan")
            print(f"{name:>10} c={concurrency} n={len(samples):<5} {len(samples) / wall:7.1f} runs/s wall "
                  f"{per_cpu:7.1f} runs per server CPU-second  first p50 {pct(firsts, 0.5):6.2f} "
                  f"total p50 {pct(totals, 0.5):6.2f} p95 {pct(totals, 0.95):6.2f} (ms)"
                  + (f"  CPU per run: server {(cpu - wcpu) / len(samples) * 1000:.2f} ms, worker "
                     f"{wcpu / len(samples) * 1000:.2f} ms" if len(pids) > 1 and samples else ""))
            if concurrency == 4 and name == "blocking" and per_cpu < BUDGET_RUNS_PER_CPU_S:
                ok = False
            if concurrency == 1 and name == "streaming" and pct(firsts, 0.5) > BUDGET_FIRST_EVENT_MS:
                ok = False
    print("(whoami: the surface's floor, not a workflow run)")
    print(f"budgets: >= {BUDGET_RUNS_PER_CPU_S:.0f} runs per server CPU-second, first event p50 <= "
          f"{BUDGET_FIRST_EVENT_MS} ms: {'OK' if ok else 'MISSED'}")
    return 0 if ok or not args.strict else 1


if __name__ == "__main__":
    sys.exit(main())

"""Workflow engine benchmark, in process (``python -m bench.workflow.engine``).

Measures what the engine itself costs, with nodes that do (almost) nothing so the figure is the
scheduler's: resolving inputs, events, node records, checkpoints, edge resolution.
1. engine overhead per node on a 50-node chain (start → 48 variable assigners → end), with the
   in-memory checkpoint store and an event sink that keeps every event;
2. start → end runs per second on one thread (budget ≥ 150 runs/s per core through the API,
   so the engine's share must be far below 1/150 s);
3. a 16-way parallel fan-out (start → 16 assigners → end) for the thread-pool hand-off cost;
4. compiling the 50-node chain (strict validation + plan), which the API does once per version.
Budgets (issue 12): ≤ 1 ms engine overhead per node; start → end must leave room for ≥ 150
runs/s per core through the API. Results go to stdout and bench/results/workflow_engine.json.
"""
from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

from internal.core.workflow.engine import WorkflowEngine
from internal.core.workflow.ports import CallerInfo, EnginePorts, InMemoryCheckpointStore, ListSink

ROOT = Path(__file__).resolve().parents[2]
CALLER = CallerInfo(account_id="00000000-0000-0000-0000-000000000001", workflow_id="bench")


def _ref(node_id: str, name: str) -> dict:
    return {"type": "ref", "content": {"ref_node_id": node_id, "ref_var_name": name}}


def _var(name: str, value: dict | None = None) -> dict:
    return {"name": name, "type": "string", "required": True,
            "value": value or {"type": "generated", "content": ""}}


def _edge(i: int, a: dict, b: dict) -> dict:
    return {"id": f"e{i}", "source": a["id"], "source_type": a["node_type"], "target": b["id"],
            "target_type": b["node_type"]}


def chain_graph(n_nodes: int) -> dict:
    start = {"id": "start", "node_type": "start", "title": "start", "inputs": [{"name": "q", "type": "string"}]}
    nodes, prev = [start], "start"
    for i in range(n_nodes - 2):
        nodes.append({"id": f"n{i}", "node_type": "variable_assigner", "title": f"n{i}",
                      "inputs": [_var("q", _ref(prev, "q"))]})
        prev = f"n{i}"
    nodes.append({"id": "end", "node_type": "end", "title": "end", "outputs": [_var("q", _ref(prev, "q"))]})
    return {"nodes": nodes, "edges": [_edge(i, a, b) for i, (a, b) in enumerate(zip(nodes, nodes[1:], strict=False))]}


def fan_out_graph(width: int) -> dict:
    start = {"id": "start", "node_type": "start", "title": "start", "inputs": [{"name": "q", "type": "string"}]}
    mids = [{"id": f"m{i}", "node_type": "variable_assigner", "title": f"m{i}",
             "inputs": [_var("q", _ref("start", "q"))]} for i in range(width)]
    end = {"id": "end", "node_type": "end", "title": "end",
           "outputs": [_var(f"q{i}", _ref(f"m{i}", "q")) for i in range(width)]}
    edges = [_edge(i, start, m) for i, m in enumerate(mids)] + [_edge(width + i, m, end) for i, m in enumerate(mids)]
    return {"nodes": [start, *mids, end], "edges": edges}


def _timed_runs(engine: WorkflowEngine, graph: dict, runs: int) -> list[float]:
    wf = engine.compile(graph)
    samples = []
    for i in range(runs):
        sink = ListSink()
        t0 = time.perf_counter()
        result = engine.run(wf, {"q": f"x{i}"}, caller=CALLER, sink=sink)
        samples.append(time.perf_counter() - t0)
        assert result.succeeded, result.error
    return samples


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=2000, help="start -> end runs to time")
    parser.add_argument("--chain-runs", type=int, default=300, help="50-node chain runs to time")
    args = parser.parse_args(argv)
    engine = WorkflowEngine(EnginePorts(), store=InMemoryCheckpointStore())
    _timed_runs(engine, chain_graph(50), 30)  # warm-up: imports, caches, pool threads
    _timed_runs(engine, chain_graph(2), 200)

    chain = _timed_runs(engine, chain_graph(50), args.chain_runs)
    per_node_ms = statistics.median(chain) / 50 * 1000
    trivial = _timed_runs(engine, chain_graph(2), args.runs)
    t0 = time.perf_counter()
    cpu0 = time.process_time()
    _timed_runs(engine, chain_graph(2), args.runs)
    wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    fan = _timed_runs(engine, fan_out_graph(16), 300)
    compile_samples = []
    for _ in range(50):
        t0 = time.perf_counter()
        engine.compile(chain_graph(50))  # strict validation + plan: the API caches this per version
        compile_samples.append(time.perf_counter() - t0)
    engine.shutdown()

    report = {
        "chain50_run_ms_p50": round(statistics.median(chain) * 1000, 3),
        "chain50_run_ms_p95": round(sorted(chain)[int(len(chain) * 0.95)] * 1000, 3),
        "engine_overhead_per_node_ms": round(per_node_ms, 4),
        "start_end_run_ms_p50": round(statistics.median(trivial) * 1000, 4),
        "start_end_runs_per_s_one_thread": round(args.runs / wall, 1),
        "start_end_runs_per_cpu_s": round(args.runs / cpu, 1),
        "fan_out16_run_ms_p50": round(statistics.median(fan) * 1000, 3),
        "compile_chain50_ms_p50": round(statistics.median(compile_samples) * 1000, 3),
        "budgets": {"engine_overhead_per_node_ms": 1.0, "api_start_end_runs_per_s_per_core": 150},
    }
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "workflow_engine.json").write_text(json.dumps(report, indent=2))
    print(json.dumps(report, indent=2))
    return report


if __name__ == "__main__":
    main()

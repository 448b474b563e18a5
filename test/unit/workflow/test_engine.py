"""Engine semantics: parallel branches, joins, iteration at scale, error policies, limits, stop,
events, durability (resume after a crash runs every finished node exactly once)."""
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest

from internal.core.workflow.engine import RunLimits, WorkflowEngine
from internal.core.workflow.entities.runs import EventType, NodeStatus, RunStatus
from internal.core.workflow.ports import CallerInfo, ListSink, PortError, StopFlag
from internal.core.workflow.validation import GraphValidationError

from .builders import G, code_node, lit, ref, start_input, template_node, var
from .conftest import ACCOUNT
from .fakes import Crash, CrashingStore


def _code(name: str) -> str:
    return f"def main(params):\n    return {{'v': params['v']}}  # {name}\n"


def _chain_of_code(g: G, ids: list[str], first_ref: dict, runner, fn) -> None:
    previous = first_ref
    for nid in ids:
        code = _code(nid)
        runner.functions[code] = (lambda p, nid=nid: fn(nid, p))
        code_node(g, nid, code, {"v": ("string", previous)}, {"v": "string"})
        previous = ref(nid, "v")


def test_thirty_node_graph_runs_its_four_branches_concurrently(run, ports):
    runner = ports.code_runner
    barrier = threading.Barrier(4, timeout=10)
    intervals: dict[str, tuple[float, float]] = {}

    def step(nid, params):
        began = time.perf_counter()
        if nid.endswith("_0"):
            barrier.wait()  # passes only when all four branch heads run at the same time
        intervals[nid] = (began, time.perf_counter())
        return {"v": params["v"] + nid[-1]}

    g = G().start(start_input("seed"))
    branches = [[f"b{b}_{i}" for i in range(7)] for b in range(4)]
    for ids in branches:
        _chain_of_code(g, ids, ref("start", "seed"), runner, step)
        g.link("start", ids[0]).chain(*ids)
    g.end(*[var(f"out{b}", "string", ref(ids[-1], "v")) for b, ids in enumerate(branches)])
    for ids in branches:
        g.link(ids[-1], "end")
    assert len(g.nodes) == 30
    result = run(g.dump(), {"seed": "s"})
    assert result.status == RunStatus.SUCCEEDED, result.error
    assert result.outputs == {f"out{b}": "s0123456" for b in range(4)}
    heads = [intervals[f"b{b}_0"] for b in range(4)]
    assert max(start for start, _ in heads) < min(end for _, end in heads)  # all four overlapped
    assert Counter(code for code, _ in runner.calls) == Counter({_code(n): 1 for ids in branches for n in ids})


def test_a_join_waits_for_every_taken_branch(run, ports):
    release = threading.Event()
    order: list[str] = []

    def step(nid, params):
        if nid == "slow":
            release.wait(5)
        order.append(nid)
        if nid == "fast":
            release.set()
        return {"v": nid}

    g = G().start(start_input("seed"))
    _chain_of_code(g, ["slow"], ref("start", "seed"), ports.code_runner, step)
    _chain_of_code(g, ["fast"], ref("start", "seed"), ports.code_runner, step)
    template_node(g, "join", "{{a}}+{{b}}", a=ref("slow", "v"), b=ref("fast", "v"))
    g.end(var("r", "string", ref("join", "output")))
    g.link("start", "slow").link("start", "fast").link("slow", "join").link("fast", "join").link("join", "end")
    result = run(g.dump(), {"seed": "x"})
    assert result.outputs == {"r": "slow+fast"} and order == ["fast", "slow"]


def test_hundred_item_iteration_in_parallel_keeps_item_order(run, ports, sink):
    code = "def main(params):\n    return {'sq': params['item'] * params['item']}\n"
    active, peak, lock = [0], [0], threading.Lock()
    first_wave = threading.Barrier(8, timeout=10)  # the first 8 items pass only if they run at once

    def square(p):
        with lock:
            active[0] += 1
            peak[0] = max(peak[0], active[0])
        if p["item"] < 8:
            first_wave.wait()
        with lock:
            active[0] -= 1
        return {"sq": p["item"] * p["item"]}

    ports.code_runner.functions[code] = square
    g = G().start(start_input("nums", "list[int]"))
    body = G().start(start_input("item", "int"), node_id="bs")
    code_node(body, "sq", code, {"item": ("int", ref("bs", "item"))}, {"sq": "int"})
    body.end(var("sq", "int", ref("sq", "sq")), node_id="be").chain("bs", "sq", "be")
    g.add("it", "iteration", parallelism=8, inputs=[var("items", "list[int]", ref("start", "nums"))],
          outputs=[var("sq", "list[int]")], body=body.dump())
    g.end(var("squares", "list[int]", ref("it", "sq"))).chain("start", "it", "end")
    result = run(g.dump(), {"nums": list(range(100))})
    assert result.status == RunStatus.SUCCEEDED
    assert result.outputs == {"squares": [i * i for i in range(100)]}
    assert len(ports.code_runner.calls) == 100
    assert peak[0] == 8  # the parallelism limit, reached and never exceeded
    inner_done = [e for e in sink.events if e.parent_node_id == "it" and e.node_id == "sq"
                  and e.type == EventType.NODE_SUCCEEDED]
    assert sorted(e.index for e in inner_done) == list(range(100))


def _flaky(with_fail_branch=False, **policy):
    """start -> flaky (a code node) -> end, `policy` fields on the flaky node; returns (graph, code)."""
    g = G().start(start_input("x"))
    code = "def main(params):\n    return {'v': params['x']}\n"
    code_node(g, "flaky", code, {"x": ("string", ref("start", "x"))}, {"v": "string"}, **policy)
    if with_fail_branch:
        template_node(g, "ok_path", "ok:{{v}}", v=ref("flaky", "v"))
        template_node(g, "fail_path", "recovered")
        g.add("agg", "variable_aggregator", inputs=[var("a", "string", ref("ok_path", "output")),
                                                   var("b", "string", ref("fail_path", "output"))])
        g.end(var("r", "string", ref("agg", "output")))
        g.link("start", "flaky").link("flaky", "ok_path").link("flaky", "fail_path", "fail")
        g.chain("ok_path", "agg").chain("fail_path", "agg").link("agg", "end")
    else:
        g.end(var("r", "string", ref("flaky", "v"))).chain("start", "flaky", "end")
    return g.dump(), code


def test_retry_policy_retries_then_succeeds(run, ports, sink):
    attempts = []

    def flaky(p):
        attempts.append(time.monotonic())
        if len(attempts) < 3:
            raise PortError(f"transient {len(attempts)}")
        return {"v": "done"}

    graph, code = _flaky(retry={"max_retries": 2, "interval_ms": 20})
    ports.code_runner.functions[code] = flaky
    result = run(graph, {"x": "a"})
    assert result.status == RunStatus.SUCCEEDED and result.outputs == {"r": "done"}
    record = next(r for r in result.node_records if r.node_id == "flaky")
    assert record.attempts == 3
    assert attempts[1] - attempts[0] >= 0.02 and attempts[2] - attempts[1] >= 0.02
    retrying = [e for e in sink.events if e.type == EventType.NODE_RETRYING]
    assert [(e.attempt, e.error) for e in retrying] == [(1, "transient 1"), (2, "transient 2")]


def test_retry_policy_gives_up_after_max_retries(run, ports):
    graph, code = _flaky(retry={"max_retries": 1, "interval_ms": 0})
    ports.code_runner.functions[code] = lambda p: (_ for _ in ()).throw(PortError("still down"))
    result = run(graph, {"x": "a"})
    assert result.status == RunStatus.FAILED
    assert len(ports.code_runner.calls) == 2 and "still down" in result.error


def test_default_value_policy_continues_with_the_default(run, ports, sink):
    graph, code = _flaky(error_policy={"strategy": "default_value", "default_outputs": {"v": "fallback"}})
    ports.code_runner.functions[code] = lambda p: (_ for _ in ()).throw(PortError("boom"))
    result = run(graph, {"x": "a"})
    assert result.status == RunStatus.SUCCEEDED and result.outputs == {"r": "fallback"}
    record = next(r for r in result.node_records if r.node_id == "flaky")
    assert (record.status, record.error, record.outputs) == (NodeStatus.FAILED, "boom", {"v": "fallback"})
    assert any(e.type == EventType.NODE_FAILED and e.node_id == "flaky" for e in sink.events)


def test_error_branch_policy_takes_the_fail_edge_only_on_failure(run, ports):
    graph, code = _flaky(with_fail_branch=True, error_policy={"strategy": "fail_branch"})
    ports.code_runner.functions[code] = lambda p: (_ for _ in ()).throw(PortError("boom"))
    failed = run(graph, {"x": "a"})
    assert failed.status == RunStatus.SUCCEEDED and failed.outputs == {"r": "recovered"}
    assert {r.node_id: r.status for r in failed.node_records}["ok_path"] == NodeStatus.SKIPPED
    ports.code_runner.functions[code] = lambda p: {"v": p["x"]}
    fine = run(graph, {"x": "a"})
    assert fine.outputs == {"r": "ok:a"}
    assert {r.node_id: r.status for r in fine.node_records}["fail_path"] == NodeStatus.SKIPPED


def test_node_timeout_fails_the_node_in_time(run, ports):
    release = threading.Event()
    graph, code = _flaky(timeout_s=0.2)
    ports.code_runner.functions[code] = lambda p: (release.wait(10), {"v": "late"})[1]
    began = time.monotonic()
    try:
        result = run(graph, {"x": "a"})
    finally:
        release.set()
    assert time.monotonic() - began < 5
    assert result.status == RunStatus.FAILED and "within 0.2 s" in result.error


def test_a_failing_node_emits_a_failed_event_and_a_run_error(run, ports, sink):
    """Course defect #10: the exception was swallowed, no failed-node frame, no error frame."""
    graph, code = _flaky()
    ports.code_runner.functions[code] = lambda p: (_ for _ in ()).throw(PortError("division by zero in main"))
    result = run(graph, {"x": "a"})
    assert result.status == RunStatus.FAILED and result.error_node_id == "flaky"
    failed = [e for e in sink.events if e.type == EventType.NODE_FAILED]
    assert [(e.node_id, e.error) for e in failed] == [("flaky", "division by zero in main")]
    last = sink.events[-1]
    assert last.type == EventType.RUN_FAILED and "division by zero" in last.error and last.node_id == "flaky"
    assert not any(e.type == EventType.NODE_STARTED and e.node_id == "end" for e in sink.events)


def test_unexpected_node_bugs_become_node_errors_without_internals(run, ports, caplog):
    graph, code = _flaky()
    ports.code_runner.functions[code] = lambda p: {}["secret-key-123"]
    result = run(graph, {"x": "a"})
    assert result.status == RunStatus.FAILED
    record = next(r for r in result.node_records if r.node_id == "flaky")
    assert "unexpectedly (ref " in record.error and "secret-key-123" not in record.error


def test_bad_inputs_are_node_errors_not_crashes(engine, caller):
    """Course defect #9: `int("x")` was an unhandled 500; `bool("false")` was True."""
    g = G().start(start_input("n", "int"), start_input("flag", "boolean"))
    g.end(var("n", "int", ref("start", "n")), var("flag", "boolean", ref("start", "flag"))).chain("start", "end")
    wf = engine.compile(g.dump())
    assert wf.validate_inputs({"n": "4", "flag": "false"}) == {"n": 4, "flag": False}
    with pytest.raises(GraphValidationError) as err:
        wf.validate_inputs({"n": "x", "flag": "maybe"})
    assert {e["field"] for e in err.value.data["errors"]} == {"inputs.n", "inputs.flag"}
    result = engine.run(wf, {"n": "x", "flag": "false"}, caller=caller)
    assert result.status == RunStatus.FAILED and result.error_node_id == "start" and "'x'" in result.error
    assert engine.run(wf, {"n": 1, "flag": "false"}, caller=caller).outputs == {"n": 1, "flag": False}


def test_stop_is_checked_between_nodes(engine, caller, ports, sink):
    stop = StopFlag()
    g = G().start(start_input("x"))
    _chain_of_code(g, ["a", "b", "c"], ref("start", "x"), ports.code_runner,
                   lambda nid, p: (stop.cancel() if nid == "a" else None, {"v": nid})[1])
    g.end(var("r", "string", ref("c", "v"))).chain("start", "a", "b", "c", "end")
    result = engine.run(engine.compile(g.dump()), {"x": "go"}, caller=caller, sink=sink, cancel=stop)
    assert result.status == RunStatus.STOPPED
    assert [c for c, _ in ports.code_runner.calls] == [_code("a")]
    assert sink.events[-1].type == EventType.RUN_STOPPED


def test_step_limit(ports, caller):
    engine = WorkflowEngine(ports, limits=RunLimits(max_steps=3))
    g = G().start(start_input("x"))
    for nid in ("a", "b", "c"):
        template_node(g, nid, "{{x}}", x=ref("start", "x"))
    g.end().chain("start", "a", "b", "c", "end")
    result = engine.run(engine.compile(g.dump()), {"x": "1"}, caller=caller)
    assert result.status == RunStatus.FAILED and "exceeded 3 node runs" in result.error


def test_depth_limit_for_workflows_calling_workflows(engine):
    g = G().start(start_input("x")).end().link("start", "end")
    result = engine.run(engine.compile(g.dump()), {"x": "1"}, caller=CallerInfo(account_id=ACCOUNT, depth=9))
    assert result.status == RunStatus.FAILED and "levels deep" in result.error


def test_system_variables(run):
    g = G().start(start_input("x"))
    g.end(var("run", "string", ref("sys", "run_id")), var("wf", "string", ref("sys", "workflow_id")),
          var("ts", "int", ref("sys", "timestamp"))).chain("start", "end")
    result = run(g.dump(), {"x": "1"}, run_id="run-42")
    assert result.outputs["run"] == "run-42" and result.outputs["wf"] == "wf-1"
    assert abs(result.outputs["ts"] - time.time()) < 60


def test_concurrent_runs_of_one_compiled_workflow(engine, caller):
    g = G().start(start_input("x"))
    template_node(g, "t", "<{{x}}>", x=ref("start", "x"))
    g.end(var("r", "string", ref("t", "output"))).chain("start", "t", "end")
    wf = engine.compile(g.dump())
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda i: engine.run(wf, {"x": str(i)}, caller=caller), range(200)))
    assert [r.outputs["r"] for r in results] == [f"<{i}>" for i in range(200)]


def _durable_graph(runner, counter):
    def step(nid, p):
        counter[nid] += 1
        return {"v": p["v"] + nid}

    g = G().start(start_input("x"))
    _chain_of_code(g, ["n1", "n2"], ref("start", "x"), runner, step)
    g.add("if", "if_else", inputs=[var("v", "string", ref("n2", "v"))],
          cases=[{"id": "long", "logical_operator": "and",
                  "conditions": [{"variable": "v", "comparison_operator": "contains", "value": "n2"}]}])
    _chain_of_code(g, ["n3", "n4"], ref("n2", "v"), runner, step)
    template_node(g, "never", "else branch")
    g.add("agg", "variable_aggregator", inputs=[var("a", "string", ref("n4", "v")),
                                               var("b", "string", ref("never", "output"))])
    g.end(var("r", "string", ref("agg", "output")))
    g.chain("start", "n1", "n2", "if").link("if", "n3", "long").link("if", "never", "else").chain("n3", "n4", "agg")
    g.chain("never", "agg").link("agg", "end")
    return g.dump()


@pytest.mark.parametrize("crash_after", [1, 2, 3, 4, 5, 6])
def test_resume_after_a_crash_runs_each_finished_node_exactly_once(ports, caller, crash_after):
    store = CrashingStore(crash_after=crash_after)
    counter: Counter = Counter()
    graph = _durable_graph(ports.code_runner, counter)
    first = WorkflowEngine(ports, store=store)
    with pytest.raises(Crash):
        first.run(first.compile(graph), {"x": "go:"}, caller=caller, run_id="run-1")
    first.shutdown()
    done_before = {r.node_id for r in store.load_run("run-1").records}
    assert len(done_before) == crash_after

    store.crash_after = None
    second = WorkflowEngine(ports, store=store)  # another worker: a fresh engine on the same store
    sink = ListSink()
    result = second.resume("run-1", sink=sink)
    second.shutdown()
    assert result.status == RunStatus.SUCCEEDED and result.outputs == {"r": "go:n1n2n3n4"}
    assert counter == Counter({"n1": 1, "n2": 1, "n3": 1, "n4": 1})  # every code node ran exactly once
    rerun = {e.node_id for e in sink.events if e.type == EventType.NODE_STARTED}
    assert not rerun & done_before
    saved = [r.node_id for r in store.load_run("run-1").records]
    assert len(saved) == len(set(saved))  # no node checkpointed twice
    assert second.resume("run-1").outputs == result.outputs  # a finished run is answered from the store
    assert counter == Counter({"n1": 1, "n2": 1, "n3": 1, "n4": 1})


def test_literal_inputs_and_skipped_nodes_are_not_checkpointed(engine, store, caller):
    g = G().start(start_input("x"))
    template_node(g, "t", "{{a}}", a=lit("const"))
    g.end(var("r", "string", ref("t", "output"))).chain("start", "t", "end")
    result = engine.run(engine.compile(g.dump()), {"x": "1"}, caller=caller, run_id="r-lit")
    checkpoint = store.load_run("r-lit")
    assert [r.node_id for r in checkpoint.records] == ["start", "t", "end"]
    assert checkpoint.result.outputs == result.outputs == {"r": "const"}
    assert checkpoint.header.inputs == {"x": "1"} and checkpoint.header.system["run_id"] == "r-lit"


def test_run_time_limit_while_a_node_hangs(ports, caller):
    release = threading.Event()
    engine = WorkflowEngine(ports, limits=RunLimits(max_time_s=0.3))
    g = G().start(start_input("x"))
    _chain_of_code(g, ["hang"], ref("start", "x"), ports.code_runner, lambda nid, p: (release.wait(10), p)[1])
    _chain_of_code(g, ["quick"], ref("start", "x"), ports.code_runner, lambda nid, p: p)
    template_node(g, "join", "{{a}}{{b}}", a=ref("hang", "v"), b=ref("quick", "v"))
    g.end().link("start", "hang").link("start", "quick").link("hang", "join").link("quick", "join")
    g.link("join", "end")
    began = time.monotonic()
    try:
        result = engine.run(engine.compile(g.dump()), {"x": "1"}, caller=caller)
    finally:
        release.set()
        engine.shutdown()
    assert time.monotonic() - began < 5
    assert result.status == RunStatus.FAILED and "longer than 0.3 s" in result.error


@pytest.mark.parametrize("parallelism", [1, 4])
def test_resume_inside_an_iteration_skips_the_items_already_done(ports, caller, parallelism):
    code = "def main(params):\n    return {'up': params['item'].upper()}\n"
    calls: Counter = Counter()
    lock = threading.Lock()

    def up(p):
        with lock:
            calls[p["item"]] += 1
        return {"up": p["item"].upper()}

    ports.code_runner.functions[code] = up
    g = G().start(start_input("words", "list[string]"))
    body = G().start(start_input("item"), node_id="bs")
    code_node(body, "c", code, {"item": ("string", ref("bs", "item"))}, {"up": "string"})
    body.end(var("up", "string", ref("c", "up")), node_id="be").chain("bs", "c", "be")
    g.add("it", "iteration", parallelism=parallelism, inputs=[var("items", "list[string]", ref("start", "words"))],
          outputs=[var("up", "list[string]")], body=body.dump())
    g.end(var("up", "list[string]", ref("it", "up"))).chain("start", "it", "end")
    words = [f"w{i}" for i in range(10)]

    store = CrashingStore(crash_after=6)  # start + 5 finished items, then the worker dies
    first = WorkflowEngine(ports, store=store)
    with pytest.raises(Crash):
        first.run(first.compile(g.dump()), {"words": words}, caller=caller, run_id="run-it")
    first.shutdown()
    records = store.load_run("run-it").records
    finished = [r.node_id for r in records]
    assert finished[0] == "start" and all(n.startswith("it#") for n in finished[1:])
    # sequentially the crash comes at the 6th save; in parallel, sibling threads of the simulated
    # crash may still finish (a real SIGKILL would stop them too)
    assert len(finished) == 6 if parallelism == 1 else len(finished) >= 6
    done_first = {r.inputs["item"] for r in records[1:]}

    store.crash_after = None
    second = WorkflowEngine(ports, store=store)
    result = second.resume("run-it")
    second.shutdown()
    assert result.outputs == {"up": [w.upper() for w in words]}
    assert all(calls[w] == 1 for w in done_first)  # checkpointed items never ran again
    if parallelism == 1:
        assert calls == Counter(dict.fromkeys(words, 1))
    else:  # items in flight when the worker died run again (at-least-once); none is lost
        assert set(calls) == set(words)


def test_records_headers_and_results_survive_json(engine, store, caller):
    import json

    from internal.core.workflow.entities.runs import NodeRunRecord, RunHeader, RunResult

    g = G().start(start_input("x"))
    template_node(g, "t", "<{{a}}>", a=ref("start", "x"))
    g.end(var("r", "string", ref("t", "output"))).chain("start", "t", "end")
    result = engine.run(engine.compile(g.dump()), {"x": "1"}, caller=caller, run_id="r-json")
    checkpoint = store.load_run("r-json")
    again = RunResult.from_dict(json.loads(json.dumps(result.to_dict())))
    assert again == result
    header = RunHeader.from_dict(json.loads(json.dumps(checkpoint.header.to_dict())))
    assert header == checkpoint.header
    assert [NodeRunRecord.from_dict(json.loads(json.dumps(r.to_dict()))) for r in checkpoint.records] \
        == checkpoint.records


def test_a_broken_event_sink_does_not_stop_the_run(engine, store, caller):
    class BrokenSink:
        def emit(self, event):
            raise ConnectionError("redis went away")

    g = G().start(start_input("x"))
    template_node(g, "t", "<{{a}}>", a=ref("start", "x"))
    g.end(var("r", "string", ref("t", "output"))).chain("start", "t", "end")
    result = engine.run(engine.compile(g.dump()), {"x": "1"}, caller=caller, sink=BrokenSink(), run_id="r-sink")
    assert result.succeeded and result.outputs == {"r": "<1>"}
    assert store.load_run("r-sink").result.outputs == {"r": "<1>"}

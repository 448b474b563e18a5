"""Parallelism limit, stop during a retry wait, aggregator without a value, nesting, and the
extended DSL (all 16 node types) round-tripping through strict validation."""
import json
import threading
import time

import pytest

from internal.core.workflow.engine import RunLimits, WorkflowEngine
from internal.core.workflow.entities.node_type import NodeType
from internal.core.workflow.entities.runs import RunStatus
from internal.core.workflow.ports import PortError, StopFlag
from internal.core.workflow.validation import GraphValidationError, check_graph

from .builders import MODEL, G, code_node, lit, ref, start_input, template_node, var


def test_max_parallel_limits_nodes_running_at_once(ports, caller):
    engine = WorkflowEngine(ports, limits=RunLimits(max_parallel=2))
    active, peak, lock = [0], [0], threading.Lock()
    both_running = threading.Barrier(2, timeout=10)

    def step(p):
        with lock:
            active[0] += 1
            peak[0] = max(peak[0], active[0])
        if p["v"] in ("0", "1"):
            both_running.wait()  # two at once must be possible
        with lock:
            active[0] -= 1
        return {"v": p["v"]}

    g = G().start(start_input("x"))
    for i in range(6):
        code = f"def main(params):\n    return params  # {i}\n"
        ports.code_runner.functions[code] = step
        code_node(g, f"c{i}", code, {"v": ("string", lit(str(i)))}, {"v": "string"})
        g.link("start", f"c{i}")
    g.end(*[var(f"v{i}", "string", ref(f"c{i}", "v")) for i in range(6)])
    for i in range(6):
        g.link(f"c{i}", "end")
    try:
        result = engine.run(engine.compile(g.dump()), {"x": "1"}, caller=caller)
    finally:
        engine.shutdown()
    assert result.outputs == {f"v{i}": str(i) for i in range(6)}
    assert peak[0] == 2


def test_stop_interrupts_a_retry_wait(engine, caller, ports):
    stop = StopFlag()
    g = G().start(start_input("x"))
    code = "def main(params):\n    return params\n"
    code_node(g, "c", code, {"v": ("string", ref("start", "x"))}, {"v": "string"},
              retry={"max_retries": 3, "interval_ms": 60000})

    def fail_then_stop(p):
        threading.Timer(0.05, stop.cancel).start()
        raise PortError("down")

    ports.code_runner.functions[code] = fail_then_stop
    g.end(var("v", "string", ref("c", "v"))).chain("start", "c", "end")
    began = time.monotonic()
    result = engine.run(engine.compile(g.dump()), {"x": "1"}, caller=caller, cancel=stop)
    assert time.monotonic() - began < 10  # not the 60 s interval
    assert result.status == RunStatus.STOPPED
    assert len(ports.code_runner.calls) == 1


def test_aggregator_without_any_value_fails_the_node(run):
    g = G().start(start_input("x", required=False))
    g.add("set", "variable_assigner", inputs=[var("x", "string", ref("start", "x"), required=False)])
    g.add("agg", "variable_aggregator", inputs=[var("a", "string", ref("set", "x"))])
    g.end(var("r", "string", ref("agg", "output"))).chain("start", "set", "agg", "end")
    result = run(g.dump(), {})
    assert result.status == RunStatus.FAILED and "none of the aggregated variables" in result.error


SPLIT = "def main(params):\n    return {'parts': list(params['word'])}\n"


def _nested(depth: int) -> dict:
    """Iterations nested `depth` deep: each level splits its word into characters and iterates
    over them; the innermost uppercases its character."""
    def body(level: int) -> dict:
        b = G().start(start_input("item"), node_id=f"s{level}")
        if level < depth:
            code_node(b, f"split{level}", SPLIT, {"word": ("string", ref(f"s{level}", "item"))},
                      {"parts": "list[string]"})
            b.add(f"it{level}", "iteration", inputs=[var("items", "list[string]", ref(f"split{level}", "parts"))],
                  outputs=[var("out", "list[string]")], body=body(level + 1))
            b.end(var("out", "string", ref(f"it{level}", "out")), node_id=f"e{level}")
            b.chain(f"s{level}", f"split{level}", f"it{level}", f"e{level}")
        else:
            template_node(b, f"t{level}", "{{ i | upper }}", i=ref(f"s{level}", "item"))
            b.end(var("out", "string", ref(f"t{level}", "output")), node_id=f"e{level}")
            b.chain(f"s{level}", f"t{level}", f"e{level}")
        return b.dump()

    g = G().start(start_input("words", "list[string]"))
    g.add("outer", "iteration", inputs=[var("items", "list[string]", ref("start", "words"))],
          outputs=[var("out", "list[string]")], body=body(1))
    return g.end(var("out", "list[string]", ref("outer", "out"))).chain("start", "outer", "end").dump()


def test_nested_iterations_run(run, ports):
    ports.code_runner.functions[SPLIT] = lambda p: {"parts": list(p["word"])}
    result = run(_nested(2), {"words": ["ab", "c"]})
    assert result.status == RunStatus.SUCCEEDED, result.error
    assert result.outputs == {"out": ['["A", "B"]', '["C"]']}  # inner lists rendered into the string outputs


def test_containers_nest_at_most_three_deep():
    check_graph(_nested(3))
    with pytest.raises(GraphValidationError) as err:
        check_graph(_nested(4))
    assert any("nest at most 3" in e["message"] for e in err.value.data["errors"])


def test_every_node_type_round_trips_through_strict_validation():
    g = G().start(start_input("q"), start_input("items", "list[string]"))
    g.add("llm", "llm", prompt="{{q}}", model_config=MODEL, inputs=[var("q", "string", ref("start", "q"))],
          outputs=[var("output")], timeout_s=30, retry={"max_retries": 2, "interval_ms": 500},
          error_policy={"strategy": "default_value", "default_outputs": {"output": "n/a"}})
    g.add("tool", "tool", tool_type="builtin_tool", provider_id="demo", tool_id="echo", params={"k": 1},
          inputs=[var("text", "string", ref("llm", "output"))])
    g.add("kb", "dataset_retrieval", dataset_ids=["d"], inputs=[var("query", "string", ref("start", "q"))])
    template_node(g, "tpl", "{{a}}{{b}}", a=ref("tool", "text"), b=ref("kb", "combine_documents"))
    g.add("http", "http_request", url="https://x.example.invalid/", method="get",
          inputs=[var("p", "string", ref("tpl", "output"), meta={"type": "params"})])
    code_node(g, "code", "def main(params):\n    return {'n': 1}\n", {"t": ("string", ref("http", "text"))},
              {"n": "int"})
    g.add("if", "if_else", inputs=[var("n", "int", ref("code", "n"))],
          cases=[{"id": "one", "logical_operator": "or",
                  "conditions": [{"variable": "n", "comparison_operator": "=", "value": 1}]}])
    g.add("cls", "question_classifier", model_config=MODEL, instruction="route",
          inputs=[var("query", "string", ref("start", "q"))], classes=[{"id": "a", "name": "A"}])
    g.add("ext", "parameter_extractor", model_config=MODEL, inputs=[var("query", "string", ref("start", "q"))],
          outputs=[var("city", description="the city")])
    g.add("set", "variable_assigner", inputs=[var("x", "string", ref("ext", "city"))])
    g.add("agg", "variable_aggregator", inputs=[var("a", "string", ref("set", "x")),
                                               var("b", "string", ref("tpl", "output"))], outputs=[var("output")])
    body = G().start(start_input("item"), node_id="bs")
    body.end(var("item", "string", ref("bs", "item")), node_id="be").chain("bs", "be")
    g.add("it", "iteration", parallelism=4, error_mode="continue",
          inputs=[var("items", "list[string]", ref("start", "items"))], outputs=[var("item", "list[string]")],
          body=body.dump())
    loop_body = G().start(start_input("n", "int"), node_id="ls")
    loop_body.end(var("n", "int", ref("ls", "n")), node_id="le").chain("ls", "le")
    g.add("loop", "loop", max_count=3, inputs=[var("n", "int", lit(0))], outputs=[var("n", "int")],
          break_conditions={"logical_operator": "and",
                            "conditions": [{"variable": "n", "comparison_operator": "≥", "value": 0}]},
          body=loop_body.dump())
    g.add("ops", "list_operator", inputs=[var("items", "list[string]", ref("it", "item"))],
          filter={"enabled": True, "conditions": [{"variable": "", "comparison_operator": "not_empty"}]},
          sort={"enabled": True, "order": "desc"}, slice={"enabled": True, "offset": 1, "limit": 2})
    g.end(var("r", "string", ref("agg", "output")), var("l", "list[string]", ref("ops", "result")))
    g.chain("start", "llm", "tool", "kb", "tpl", "http", "code", "if")
    g.link("if", "cls", "one").link("if", "agg", "else").link("cls", "ext", "a").chain("ext", "set", "agg")
    g.chain("agg", "it", "loop", "ops", "end")
    graph = g.dump()
    assert {n["node_type"] for n in graph["nodes"]} == {t.value for t in NodeType}
    checked = check_graph(json.loads(json.dumps(graph)))
    assert json.dumps(checked.dump(), sort_keys=True) == json.dumps(graph, sort_keys=True)


def test_step_limit_counts_body_nodes(ports, caller):
    engine = WorkflowEngine(ports, limits=RunLimits(max_steps=50))
    g = G().start(start_input("items", "list[string]"))
    body = G().start(start_input("item"), node_id="bs")
    template_node(body, "bt", "{{i}}", i=ref("bs", "item"))
    body.end(var("o", "string", ref("bt", "output")), node_id="be").chain("bs", "bt", "be")
    g.add("it", "iteration", inputs=[var("items", "list[string]", ref("start", "items"))],
          outputs=[var("o", "list[string]")], body=body.dump())
    g.end(var("o", "list[string]", ref("it", "o"))).chain("start", "it", "end")
    wf = engine.compile(g.dump())
    assert engine.run(wf, {"items": ["a"] * 10}, caller=caller).succeeded  # 2 + 10 * 3 + 1 steps
    result = engine.run(wf, {"items": ["a"] * 100}, caller=caller)
    engine.shutdown()
    assert result.status == RunStatus.FAILED and "exceeded 50 node runs" in result.error


def test_a_timed_out_llm_stops_streaming(ports, caller, sink):
    gate = threading.Event()
    chunks_after_timeout: list[str] = []

    class SlowModels:
        def create(self, config, caller_info):
            from langchain_core.language_models.fake_chat_models import GenericFakeChatModel

            class Slow(GenericFakeChatModel):
                def _stream(self, messages, stop=None, run_manager=None, **kwargs):
                    for chunk in super()._stream(messages, stop=stop, run_manager=run_manager, **kwargs):
                        if chunk.message.content == "late":
                            gate.wait(10)  # the node's timeout passes here
                            chunks_after_timeout.append("resumed")
                        yield chunk

            return Slow(messages=iter(["early late words after the timeout"]))

        def price(self, config, i, o):
            return 0.0

    ports.chat_models = SlowModels()
    engine = WorkflowEngine(ports)
    g = G().start(start_input("q"))
    g.add("llm", "llm", prompt="{{q}}", model_config=MODEL, timeout_s=0.2,
          inputs=[var("q", "string", ref("start", "q"))])
    g.end(var("a", "string", ref("llm", "output"))).chain("start", "llm", "end")
    result = engine.run(engine.compile(g.dump()), {"q": "x"}, caller=caller, sink=sink)
    assert result.status == RunStatus.FAILED and "within 0.2 s" in result.error
    emitted_before = [e.text for e in sink.events if e.text]
    gate.set()
    deadline = time.monotonic() + 5
    while not chunks_after_timeout and time.monotonic() < deadline:
        gate.wait(0.01)
    assert chunks_after_timeout == ["resumed"]  # the abandoned stream went on ...
    assert [e.text for e in sink.events if e.text] == emitted_before  # ... but emitted nothing more
    engine.shutdown()


def test_a_terminating_iteration_failure_starts_no_further_items(run, ports):
    code = "def main(params):\n    return {'o': params['item']}\n"
    started: list[int] = []
    lock = threading.Lock()
    gate = threading.Event()

    def item(p):
        with lock:
            started.append(p["item"])
        if p["item"] == 0:
            raise PortError("first item broke")
        gate.wait(10)  # the other items are still busy when the first one fails
        return {"o": p["item"]}

    ports.code_runner.functions[code] = item
    g = G().start(start_input("nums", "list[int]"))
    body = G().start(start_input("item", "int"), node_id="bs")
    code_node(body, "c", code, {"item": ("int", ref("bs", "item"))}, {"o": "int"})
    body.end(var("o", "int", ref("c", "o")), node_id="be").chain("bs", "c", "be")
    g.add("it", "iteration", parallelism=2, inputs=[var("items", "list[int]", ref("start", "nums"))],
          outputs=[var("o", "list[int]")], body=body.dump())
    g.end(var("o", "list[int]", ref("it", "o"))).chain("start", "it", "end")
    try:
        result = run(g.dump(), {"nums": list(range(100))})
    finally:
        gate.set()
    assert result.status == RunStatus.FAILED and "first item broke" in result.error
    assert set(started) <= {0, 1, 2}  # the two workers' items; the other 97 were never started

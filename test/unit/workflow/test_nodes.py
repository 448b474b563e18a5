"""Every node type, run through the engine with fake ports."""
import json

import pytest

from internal.core.workflow.entities.runs import EventType, NodeStatus, RunStatus
from internal.core.workflow.ports import HttpReply, PortError

from .builders import MODEL, G, code_node, lit, ref, start_input, template_node, var
from .conftest import ACCOUNT
from .fakes import USAGE, EchoTool, FakeChatModels


def _record(result, node_id):
    return next(r for r in result.node_records if r.node_id == node_id)


def test_start_and_end_pass_typed_values(run):
    g = G().start(start_input("q"), start_input("n", "int"), start_input("flag", "boolean"),
                  start_input("opt", "float", required=False))
    g.end(var("q", "string", ref("start", "q")), var("n", "int", ref("start", "n")),
          var("flag", "boolean", ref("start", "flag")), var("opt", "float", ref("start", "opt"), required=False),
          var("const", "int", lit("7"))).chain("start", "end")
    result = run(g.dump(), {"q": "hi", "n": "12", "flag": "false"})
    assert result.status == RunStatus.SUCCEEDED
    assert result.outputs == {"q": "hi", "n": 12, "flag": False, "opt": None, "const": 7}


def test_llm_renders_the_prompt_streams_and_counts_tokens(run, ports, sink):
    ports.chat_models.reply = lambda cfg, msgs: f"answer to [{msgs[0].content}]"
    g = G().start(start_input("q"))
    g.add("llm", "llm", prompt="Q: {{ q | upper }}", model_config=MODEL,
          inputs=[var("q", "string", ref("start", "q"))], outputs=[var("output")])
    g.end(var("a", "string", ref("llm", "output"))).chain("start", "llm", "end")
    result = run(g.dump(), {"q": "why"})
    assert result.outputs == {"a": "answer to [Q: WHY]"}
    config, _ = ports.chat_models.calls[0]
    assert (config.provider, config.model, config.parameters) == ("openai", "gpt-4o-mini", {"temperature": 0.5})
    chunks = [e.text for e in sink.events if e.type == EventType.NODE_CHUNK]
    assert len(chunks) > 1 and "".join(chunks) == "answer to [Q: WHY]"
    rec = _record(result, "llm")
    assert rec.total_tokens == USAGE["total_tokens"] and rec.total_price == pytest.approx(0.01)
    assert result.total_tokens == 10


def test_template_transform(run):
    g = G().start(start_input("name"), start_input("n", "int"))
    template_node(g, "t", "{% for i in range(n) %}{{name}}{% endfor %}", name=ref("start", "name"))
    g.node("t")["inputs"].append(var("n", "int", ref("start", "n")))
    g.end(var("out", "string", ref("t", "output"))).chain("start", "t", "end")
    assert run(g.dump(), {"name": "ab", "n": 3}).outputs == {"out": "ababab"}


def test_tool_node_resolves_with_its_settings_and_invokes_with_its_inputs(run, ports, echo_tool):
    g = G().start(start_input("q"))
    g.add("tool", "tool", tool_type="builtin_tool", provider_id="demo", tool_id="echo", params={"suffix": "p"},
          inputs=[var("text", "string", ref("start", "q"))])
    g.end(var("t", "string", ref("tool", "text"))).chain("start", "tool", "end")
    result = run(g.dump(), {"q": "hello"})
    assert result.outputs == {"t": "echo: hello"}
    assert echo_tool.calls == [{"text": "hello"}]
    ref_, ctx = ports.tools.resolved[0]
    assert (ref_.type, ref_.provider_id, ref_.tool_id, ref_.params) == ("builtin_tool", "demo", "echo",
                                                                        {"suffix": "p"})
    assert str(ctx.account_id) == ACCOUNT and ctx.depth == 1


def test_tool_failure_is_a_node_error(run, ports):
    ports.tools.tools[(ACCOUNT, "demo", "broken")] = EchoTool("broken", fail=True)
    g = G().start(start_input("q"))
    g.add("tool", "tool", tool_type="api_tool", provider_id="demo", tool_id="broken",
          inputs=[var("text", "string", ref("start", "q"))])
    g.end(var("t", "string", ref("tool", "text"))).chain("start", "tool", "end")
    result = run(g.dump(), {"q": "x"})
    assert result.status == RunStatus.FAILED and result.error_node_id == "tool"
    assert "the upstream said no" in _record(result, "tool").error


def test_tool_of_another_account_is_not_found(run, ports):
    """Course defect #6: the tool node loaded API tools by id without an account filter."""
    g = G().start(start_input("q"))
    g.add("tool", "tool", tool_type="api_tool", provider_id="secret", tool_id="echo",
          inputs=[var("text", "string", ref("start", "q"))])
    g.end(var("t", "string", ref("tool", "text"))).chain("start", "tool", "end")
    result = run(g.dump(), {"q": "x"})
    assert result.status == RunStatus.FAILED
    assert "not found" in _record(result, "tool").error


def test_dataset_retrieval(run, ports):
    g = G().start(start_input("q"))
    g.add("kb", "dataset_retrieval", dataset_ids=["d1"], retrieval_config={"retrieval_strategy": "hybrid", "k": 2,
                                                                            "score": 0.3},
          inputs=[var("query", "string", ref("start", "q"))])
    g.end(var("docs", "string", ref("kb", "combine_documents"))).chain("start", "kb", "end")
    result = run(g.dump(), {"q": "find"})
    assert result.outputs == {"docs": "chunk one\n\nchunk two"}
    (query,) = ports.retriever.queries
    assert (query.query, query.dataset_ids, query.strategy, query.k, query.score) == ("find", ("d1",), "hybrid", 2, 0.3)
    assert query.caller.account_id == ACCOUNT


def test_code_node_runs_through_the_runner_and_types_outputs(run, ports):
    code = "def main(params):\n    return {'n': len(params['s']), 'up': params['s'].upper()}\n"
    ports.code_runner.functions[code] = lambda p: {"n": str(len(p["s"])), "up": p["s"].upper(), "extra": 1}
    g = G().start(start_input("s"))
    code_node(g, "c", code, {"s": ("string", ref("start", "s"))}, {"n": "int", "up": "string"}, timeout_s=3)
    g.end(var("n", "int", ref("c", "n")), var("up", "string", ref("c", "up"))).chain("start", "c", "end")
    result = run(g.dump(), {"s": "abc"})
    assert result.outputs == {"n": 3, "up": "ABC"}
    assert ports.code_runner.calls == [(code, {"s": "abc"})]


def test_code_node_output_of_the_wrong_type_fails_the_node(run, ports):
    code = "def main(params):\n    return {'n': 'x'}\n"
    ports.code_runner.functions[code] = lambda p: {"n": "x"}
    g = G().start(start_input("s"))
    code_node(g, "c", code, {"s": ("string", ref("start", "s"))}, {"n": "int"})
    g.end(var("n", "int", ref("c", "n"))).chain("start", "c", "end")
    result = run(g.dump(), {"s": "abc"})
    assert result.status == RunStatus.FAILED and "'n'" in _record(result, "c").error


def test_code_sandbox_refusal_is_a_node_error(run, ports):
    g = G().start(start_input("s"))
    code_node(g, "c", "def main(params):\n    return {}\n", {"s": ("string", ref("start", "s"))}, {"n": "int"})
    g.end(var("n", "int", ref("c", "n"))).chain("start", "c", "end")
    result = run(g.dump(), {"s": "abc"})
    assert result.status == RunStatus.FAILED and _record(result, "c").error == "the sandbox refused the code"


def test_http_request_builds_params_headers_and_json_body(run, ports):
    ports.http.reply = lambda call: HttpReply(201, json.dumps({"got": call.json_body}))
    g = G().start(start_input("q"), start_input("n", "int"))
    g.add("http", "http_request", url="https://api.example.invalid/x", method="post", timeout_s=2,
          max_response_bytes=4096,
          inputs=[var("Authorization", "string", lit("Bearer t"), meta={"type": "headers"}),
                  var("q", "string", ref("start", "q"), meta={"type": "params"}),
                  var("n", "int", ref("start", "n"), meta={"type": "body"})])
    g.end(var("code", "int", ref("http", "status_code")), var("text", "string", ref("http", "text")))
    g.chain("start", "http", "end")
    result = run(g.dump(), {"q": "a b", "n": 5})
    assert result.outputs == {"code": 201, "text": '{"got": {"n": 5}}'}
    (call,) = ports.http.calls
    assert (call.method, call.url, call.headers, call.params, call.json_body) == (
        "POST", "https://api.example.invalid/x", {"Authorization": "Bearer t"}, {"q": "a b"}, {"n": 5})
    assert (call.timeout_s, call.max_response_bytes) == (2, 4096)


def test_http_port_errors_fail_the_node(run, ports):
    def refuse(call):
        raise PortError("the address 10.0.0.1 is not allowed")

    ports.http.reply = refuse
    g = G().start(start_input("q"))
    g.add("http", "http_request", url="http://10.0.0.1/", method="get", inputs=[])
    g.end(var("code", "int", ref("http", "status_code"))).chain("start", "http", "end")
    result = run(g.dump(), {"q": "x"})
    assert result.status == RunStatus.FAILED and "not allowed" in _record(result, "http").error


def _if_else_graph(conditions, logical="and", var_type="string"):
    g = G().start(start_input("v", var_type))
    g.add("if", "if_else", inputs=[var("v", var_type, ref("start", "v"))],
          cases=[{"id": "yes", "logical_operator": logical, "conditions": conditions}])
    template_node(g, "y", "yes")
    template_node(g, "n", "no")
    g.add("agg", "variable_aggregator", inputs=[var("a", "string", ref("y", "output")),
                                               var("b", "string", ref("n", "output"))], outputs=[var("output")])
    g.end(var("branch", "string", ref("agg", "output")))
    g.link("start", "if").link("if", "y", "yes").link("if", "n", "else").chain("y", "agg").chain("n", "agg")
    return g.link("agg", "end").dump()


OPERATOR_CASES = [
    ("string", "contains", "ell", "hello", "yes"), ("string", "contains", "xyz", "hello", "no"),
    ("string", "not_contains", "xyz", "hello", "yes"), ("string", "start_with", "he", "hello", "yes"),
    ("string", "end_with", "lo", "hello", "yes"), ("string", "end_with", "he", "hello", "no"),
    ("string", "is", "hello", "hello", "yes"), ("string", "is_not", "hello", "hello", "no"),
    ("string", "empty", None, "", "yes"), ("string", "not_empty", None, "", "no"),
    ("int", "=", 3, 3, "yes"), ("int", "≠", 3, 3, "no"), ("int", ">", 2, 3, "yes"), ("int", "<", 2, 3, "no"),
    ("float", "≥", "2.5", 2.5, "yes"), ("float", "≤", 2, 2.5, "no"), ("int", ">=", 3, 3, "yes"),
    ("boolean", "is", "false", "false", "yes"), ("boolean", "is", "true", "false", "no"),
]


@pytest.mark.parametrize(("vtype", "op", "value", "actual", "branch"), OPERATOR_CASES,
                         ids=[f"{c[0]}-{c[1]}-{c[4]}" for c in OPERATOR_CASES])
def test_if_else_operators(run, vtype, op, value, actual, branch):
    graph = _if_else_graph([{"variable": "v", "comparison_operator": op, "value": value}], var_type=vtype)
    inputs = {"v": actual}
    if vtype == "string" and actual == "":
        graph["nodes"][0]["inputs"][0]["required"] = False
    result = run(graph, inputs)
    assert result.status == RunStatus.SUCCEEDED, result.error
    assert result.outputs == {"branch": branch}
    skipped = {r.node_id for r in result.node_records if r.status == NodeStatus.SKIPPED}
    assert skipped == ({"n"} if branch == "yes" else {"y"})


def test_if_else_and_or(run):
    conds = [{"variable": "v", "comparison_operator": "contains", "value": "a"},
             {"variable": "v", "comparison_operator": "contains", "value": "z"}]
    assert run(_if_else_graph(conds, "and"), {"v": "abc"}).outputs == {"branch": "no"}
    assert run(_if_else_graph(conds, "or"), {"v": "abc"}).outputs == {"branch": "yes"}


def test_if_else_takes_the_first_matching_case(run):
    g = G().start(start_input("n", "int"))
    g.add("if", "if_else", inputs=[var("n", "int", ref("start", "n"))], cases=[
        {"id": "big", "logical_operator": "and", "conditions": [{"variable": "n", "comparison_operator": ">",
                                                                 "value": 100}]},
        {"id": "pos", "logical_operator": "and", "conditions": [{"variable": "n", "comparison_operator": ">",
                                                                 "value": 0}]}])
    for nid in ("b", "p", "o"):
        template_node(g, nid, nid)
    g.add("agg", "variable_aggregator", inputs=[var(x, "string", ref(x, "output")) for x in ("b", "p", "o")])
    g.end(var("r", "string", ref("agg", "output")))
    g.link("start", "if").link("if", "b", "big").link("if", "p", "pos").link("if", "o", "else")
    g.chain("b", "agg").chain("p", "agg").chain("o", "agg").link("agg", "end")
    assert [run(g.dump(), {"n": n}).outputs["r"] for n in (500, 5, -5)] == ["b", "p", "o"]


def test_question_classifier_routes_by_class_id(run, ports):
    ports.chat_models.reply = lambda cfg, msgs: "refund" if "money" in msgs[-1].content else "  Other. "
    g = G().start(start_input("q"))
    g.add("cls", "question_classifier", model_config=MODEL, inputs=[var("query", "string", ref("start", "q"))],
          classes=[{"id": "refund", "name": "Refunds"}, {"id": "other", "name": "Other"}])
    template_node(g, "r", "R")
    template_node(g, "o", "O")
    g.add("agg", "variable_aggregator", inputs=[var("a", "string", ref("r", "output")),
                                               var("b", "string", ref("o", "output"))])
    g.end(var("route", "string", ref("agg", "output")), var("cls", "string", ref("cls", "class_name")))
    g.link("start", "cls").link("cls", "r", "refund").link("cls", "o", "other").chain("r", "agg").chain("o", "agg")
    g.link("agg", "end")
    assert run(g.dump(), {"q": "money back"}).outputs == {"route": "R", "cls": "Refunds"}
    assert run(g.dump(), {"q": "hello"}).outputs == {"route": "O", "cls": "Other"}
    system_prompt = ports.chat_models.calls[0][1][0].content
    assert "refund: Refunds" in system_prompt and "other: Other" in system_prompt


def test_question_classifier_unmatched_answer_is_a_node_error(run, ports):
    ports.chat_models.reply = "I cannot decide"
    g = G().start(start_input("q"))
    g.add("cls", "question_classifier", model_config=MODEL, inputs=[var("query", "string", ref("start", "q"))],
          classes=[{"id": "a", "name": "Alpha"}])
    g.end().link("start", "cls").link("cls", "end", "a")
    result = run(g.dump(), {"q": "x"})
    assert result.status == RunStatus.FAILED and "matched none" in _record(result, "cls").error


def test_parameter_extractor_parses_and_types_the_json(run, ports):
    ports.chat_models.reply = 'Sure! {"city": "Paris", "days": "3", "urgent": "false", "tags": ["a", "b"]}'
    g = G().start(start_input("q"))
    g.add("ext", "parameter_extractor", model_config=MODEL, instruction="Trip details.",
          inputs=[var("query", "string", ref("start", "q"))],
          outputs=[var("city"), var("days", "int"), var("urgent", "boolean"), var("tags", "list[string]"),
                   var("budget", "float", required=False)])
    g.end(*[var(n, t, ref("ext", n), required=False) for n, t in
            (("city", "string"), ("days", "int"), ("urgent", "boolean"), ("tags", "list[string]"),
             ("budget", "float"))]).chain("start", "ext", "end")
    result = run(g.dump(), {"q": "3 days in Paris"})
    assert result.outputs == {"city": "Paris", "days": 3, "urgent": False, "tags": ["a", "b"], "budget": None}
    system_prompt = ports.chat_models.calls[0][1][0].content
    assert '"days": {"type": "int"' in system_prompt and "Trip details." in system_prompt


def test_parameter_extractor_without_json_fails(run, ports):
    ports.chat_models.reply = "no idea"
    g = G().start(start_input("q"))
    g.add("ext", "parameter_extractor", model_config=MODEL, inputs=[var("query", "string", ref("start", "q"))],
          outputs=[var("city")])
    g.end(var("c", "string", ref("ext", "city"))).chain("start", "ext", "end")
    result = run(g.dump(), {"q": "x"})
    assert result.status == RunStatus.FAILED and "JSON" in _record(result, "ext").error


def test_variable_assigner_types_its_values(run):
    g = G().start(start_input("n", "int"))
    g.add("set", "variable_assigner", inputs=[var("count", "float", ref("start", "n")),
                                             var("label", "string", lit("fixed")),
                                             var("items", "list[int]", lit("[1, 2]"))])
    g.end(var("count", "float", ref("set", "count")), var("label", "string", ref("set", "label")),
          var("items", "list[int]", ref("set", "items"))).chain("start", "set", "end")
    result = run(g.dump(), {"n": "41"})
    assert result.outputs == {"count": 41.0, "label": "fixed", "items": [1, 2]}
    assert isinstance(result.outputs["count"], float)


def test_list_operator_filters_sorts_and_slices(run):
    g = G().start(start_input("people", "list[object]"))
    g.add("ops", "list_operator", inputs=[var("items", "list[object]", ref("start", "people"))],
          filter={"enabled": True, "logical_operator": "and",
                  "conditions": [{"variable": "age", "comparison_operator": "≥", "value": 18}]},
          sort={"enabled": True, "key": "age", "order": "desc"}, slice={"enabled": True, "offset": 0, "limit": 2})
    g.end(var("r", "list[object]", ref("ops", "result")), var("first", "object", ref("ops", "first")),
          var("count", "int", ref("ops", "count"))).chain("start", "ops", "end")
    people = [{"name": "a", "age": 12}, {"name": "b", "age": 30}, {"name": "c", "age": 18}, {"name": "d", "age": 64}]
    result = run(g.dump(), {"people": people})
    assert result.outputs == {"r": [{"name": "d", "age": 64}, {"name": "b", "age": 30}],
                              "first": {"name": "d", "age": 64}, "count": 2}


def test_list_operator_on_strings(run):
    g = G().start(start_input("words", "list[string]"))
    g.add("ops", "list_operator", inputs=[var("items", "list[string]", ref("start", "words"))],
          filter={"enabled": True, "conditions": [{"variable": "", "comparison_operator": "start_with",
                                                   "value": "b"}]},
          sort={"enabled": True})
    g.end(var("r", "list[string]", ref("ops", "result")), var("last", "string", ref("ops", "last")))
    g.chain("start", "ops", "end")
    assert run(g.dump(), {"words": '["bz", "a", "ba", "c"]'}).outputs == {"r": ["ba", "bz"], "last": "bz"}


def _iteration_graph(parallelism=1, error_mode="terminate", code=None):
    g = G().start(start_input("items", "list[string]"), start_input("prefix"))
    body = G().start(start_input("item"), start_input("index", "int"), node_id="bs")
    if code is None:
        template_node(body, "bt", "{{p}}{{i}}#{{n}}", p=ref("start", "prefix"), i=ref("bs", "item"),
                      n=ref("bs", "index"))
    else:
        code_node(body, "bt", code, {"i": ("string", ref("bs", "item"))}, {"output": "string"})
    body.end(var("text", "string", ref("bt", "output")), node_id="be").chain("bs", "bt", "be")
    g.add("it", "iteration", inputs=[var("items", "list[string]", ref("start", "items"))],
          outputs=[var("text", "list[string]")], body=body.dump(), parallelism=parallelism, error_mode=error_mode)
    return g.end(var("all", "list[string]", ref("it", "text"))).chain("start", "it", "end").dump()


def test_iteration_runs_the_body_per_item_with_outer_references(run, sink):
    result = run(_iteration_graph(), {"items": ["a", "b", "c"], "prefix": ">"})
    assert result.outputs == {"all": [">a#0", ">b#1", ">c#2"]}
    inner = [e for e in sink.events if e.parent_node_id == "it" and e.type == EventType.NODE_SUCCEEDED]
    assert sorted((e.index, e.node_id) for e in inner if e.node_id == "bt") == [(0, "bt"), (1, "bt"), (2, "bt")]


def test_iteration_error_modes(run, ports):
    code = "def main(params):\n    return {'output': params['i']}\n"

    def fn(p):
        if p["i"] == "bad":
            raise PortError("bad item")
        return {"output": p["i"].upper()}

    ports.code_runner.functions[code] = fn
    items = {"items": ["a", "bad", "c"], "prefix": ""}
    failed = run(_iteration_graph(code=code), items)
    assert failed.status == RunStatus.FAILED and "item 1" in failed.error and "bad item" in failed.error
    assert run(_iteration_graph(code=code, error_mode="continue"), items).outputs == {"all": ["A", None, "C"]}
    assert run(_iteration_graph(code=code, error_mode="remove_failed"), items).outputs == {"all": ["A", "C"]}


def _loop_graph(max_count=20):
    g = G().start(start_input("n", "int"))
    body = G().start(start_input("total", "int"), start_input("index", "int"), node_id="ls")
    code = "def main(params):\n    return {'total': params['total'] * 2}\n"
    code_node(body, "double", code, {"total": ("int", ref("ls", "total"))}, {"total": "int"})
    body.end(var("total", "int", ref("double", "total")), node_id="le").chain("ls", "double", "le")
    g.add("loop", "loop", inputs=[var("total", "int", ref("start", "n"))], outputs=[var("total", "int")],
          max_count=max_count, body=body.dump(),
          break_conditions={"logical_operator": "and",
                            "conditions": [{"variable": "total", "comparison_operator": ">", "value": 100}]})
    g.end(var("total", "int", ref("loop", "total"))).chain("start", "loop", "end")
    return g.dump(), code


def test_loop_runs_until_the_break_condition(run, ports):
    graph, code = _loop_graph()
    ports.code_runner.functions[code] = lambda p: {"total": p["total"] * 2}
    assert run(graph, {"n": 3}).outputs == {"total": 192}  # 6 12 24 48 96 192 -> stop
    assert len(ports.code_runner.calls) == 6


def test_loop_stops_at_max_count(run, ports):
    graph, code = _loop_graph(max_count=3)
    ports.code_runner.functions[code] = lambda p: {"total": p["total"] * 2}
    assert run(graph, {"n": 1}).outputs == {"total": 8}
    assert len(ports.code_runner.calls) == 3


def test_model_nodes_without_a_model_port_fail_clearly(engine, caller, ports):
    ports.chat_models = None
    g = G().start(start_input("q"))
    g.add("llm", "llm", prompt="{{q}}", model_config=MODEL, inputs=[var("q", "string", ref("start", "q"))])
    g.end(var("a", "string", ref("llm", "output"))).chain("start", "llm", "end")
    result = engine.run(engine.compile(g.dump()), {"q": "x"}, caller=caller)
    assert result.status == RunStatus.FAILED and "no language model" in result.error


def test_fake_chat_models_fixture_is_langchain(ports):
    model = ports.chat_models.create(None, None)
    assert model.invoke("hi").content == "model says hi"
    assert isinstance(ports.chat_models, FakeChatModels)


def test_a_reference_typed_string_keeps_the_source_value(run, ports):
    """The editor types every reference `string`; an int output must reach a tool as an int
    (its JSON Schema says integer) and the end result keeps the int, as in the course."""
    class CountTool(EchoTool):
        def __init__(self):
            super().__init__("count")
            self.input_schema = {"type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"]}

        def _run(self, arguments, deadline):
            self.calls.append(arguments)
            return f"n={arguments['n'] + 1}"

    tool = CountTool()
    ports.tools.tools[(ACCOUNT, "demo", "count")] = tool
    g = G().start(start_input("n", "int"))
    g.add("tool", "tool", tool_type="builtin_tool", provider_id="demo", tool_id="count",
          inputs=[var("n", "string", ref("start", "n"))])
    g.end(var("t", "string", ref("tool", "text")), var("n", "string", ref("start", "n"))).chain("start", "tool", "end")
    result = run(g.dump(), {"n": "41"})
    assert result.status == RunStatus.SUCCEEDED, result.error
    assert tool.calls == [{"n": 41}] and result.outputs == {"t": "n=42", "n": 41}

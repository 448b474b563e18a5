"""The strict validator's table: each defect is an error naming node (id + title) and field."""
import pytest

from internal.core.workflow.validation import GraphValidationError, check_graph

from .builders import MODEL, G, lit, ref, start_input, template_node, var


def _base() -> G:
    g = G().start(start_input("q"), start_input("n", "int"))
    template_node(g, "t", "{{x}}", x=ref("start", "q"))
    return g.end(var("out", "string", ref("t", "output"))).chain("start", "t", "end")


def _errors(graph: dict) -> list[dict]:
    with pytest.raises(GraphValidationError) as err:
        check_graph(graph)
    assert err.value.message and err.value.data["errors"]
    return err.value.data["errors"]


def test_the_base_graph_is_valid():
    assert check_graph(_base().dump()).graph.nodes


def _cycle():
    g = _base()
    template_node(g, "t2", "{{x}}", x=ref("t", "output"))
    return g.link("t", "t2").link("t2", "t")


def _dangling():
    g = _base()
    g.edges.append({"id": "dangling", "source": "t", "source_type": "template_transform", "target": "gone",
                    "target_type": "end"})
    return g


def _no_start():
    g = _base()
    g.nodes = [n for n in g.nodes if n["id"] != "start"]
    g.edges = [e for e in g.edges if e["source"] != "start"]
    g.node("t")["inputs"][0]["value"] = lit("constant")
    return g


def _unreachable_end():
    g = _base()
    g.edges = [e for e in g.edges if e["target"] != "end"]
    return g


def _bad_reference():
    g = _base()
    g.node("t")["inputs"][0]["value"] = ref("start", "no_such_input")
    return g


def _reference_to_missing_node():
    g = _base()
    g.node("t")["inputs"][0]["value"] = ref("ghost-node", "q")
    return g


def _downstream_reference():
    g = _base()
    g.node("t")["inputs"][0]["value"] = ref("end", "out")
    return g


def _type_mismatch():
    g = _base()
    g.node("t")["inputs"].append(var("flag", "boolean", ref("start", "q")))  # a string is not a boolean
    return g


def _unknown_node_type():
    g = _base()
    g.nodes.append({"id": "weird", "node_type": "quantum", "title": "Weird"})
    return g


def _bad_literal():
    g = _base()
    g.node("t")["inputs"].append(var("k", "int", lit("x")))
    return g


def _template_variable_not_declared():
    g = _base()
    g.node("t")["template"] = "{{x}} {{secret}}"
    return g


CASES = [
    # name, graph, expected (node_id, node_title, field), or ("edge:<id>", node_title, field) for edge errors
    ("cycle", _cycle, {("t", "t", "edges"), ("t2", "t2", "edges")}),
    ("dangling edge", _dangling, {("edge:dangling", "t", "target")}),
    ("no start", _no_start, {(None, None, "nodes")}),
    ("unreachable end", _unreachable_end, {("t", "t", "edges"), ("start", "start", "edges")}),
    ("bad reference", _bad_reference, {("t", "t", "inputs[0].value.content")}),
    ("missing node", _reference_to_missing_node, {("t", "t", "inputs[0].value.content")}),
    ("downstream reference", _downstream_reference, {("t", "t", "inputs[0].value.content")}),
    ("type mismatch", _type_mismatch, {("t", "t", "inputs[1].value.content")}),
    ("unknown node type", _unknown_node_type, {("weird", "Weird", "node_type")}),
    ("bad literal", _bad_literal, {("t", "t", "inputs[1].value.content")}),
    ("undeclared template variable", _template_variable_not_declared, {("t", "t", "template")}),
]


@pytest.mark.parametrize(("name", "build", "expected"), CASES, ids=[c[0] for c in CASES])
def test_validation_table(name, build, expected):
    errors = _errors(build().dump())
    found = set()
    for e in errors:
        found.add((f"edge:{e['edge_id']}", e["node_title"], e["field"]) if e["edge_id"]
                  else (e["node_id"], e["node_title"], e["field"]))
        assert e["message"]
    assert expected <= found, errors


def test_reference_messages_say_what_is_wrong():
    (error,) = _errors(_bad_reference().dump())
    assert "no_such_input" in error["message"] and "start" in error["message"]
    (error,) = _errors(_type_mismatch().dump())
    assert "boolean" in error["message"] and "string" in error["message"]


def test_course_defect_7_references_to_missing_variables_fail():
    """`any([cond] for …)` was always true: a reference to anything passed."""
    g = _base()
    g.node("end")["outputs"][0]["value"] = ref("t", "does_not_exist")
    (error,) = _errors(g.dump())
    assert (error["node_id"], error["field"]) == ("end", "outputs[0].value.content")


def test_all_errors_are_collected_at_once():
    g = _bad_reference()
    g.node("t")["inputs"].append(var("k", "int", lit("x")))
    g.nodes.append({"id": "orphan", "node_type": "template_transform", "title": "Orphan", "template": "hi"})
    errors = _errors(g.dump())
    assert {(e["node_id"], e["field"]) for e in errors} == {
        ("t", "inputs[0].value.content"), ("t", "inputs[1].value.content"), ("orphan", "edges")}
    assert len(errors) == 4  # the orphan is unreachable from the start AND has no path to the end


def test_if_else_handles_are_checked():
    g = G().start(start_input("q"))
    g.add("if", "if_else", inputs=[var("q", "string", ref("start", "q"))],
          cases=[{"id": "yes", "logical_operator": "and",
                  "conditions": [{"variable": "q", "comparison_operator": "contains", "value": "a"}]}])
    template_node(g, "a", "A")
    template_node(g, "b", "B")
    g.end().link("start", "if").link("if", "a", "yes").link("if", "b", "maybe").chain("a", "end").chain("b", "end")
    errors = _errors(g.dump())
    fields = {(e["edge_id"] or e["node_id"], e["field"]) for e in errors}
    assert ("e2", "source_handle_id") in fields          # 'maybe' is no handle of the if/else
    assert ("if", "source_handle_id") in fields          # the 'else' branch leads nowhere


def test_if_else_conditions_name_inputs_and_known_operators():
    g = G().start(start_input("q"), start_input("n", "int"))
    g.add("if", "if_else", inputs=[var("q", "string", ref("start", "q")), var("n", "int", ref("start", "n"))],
          cases=[{"id": "c1", "logical_operator": "and",
                  "conditions": [{"variable": "nope", "comparison_operator": "is", "value": "a"},
                                 {"variable": "q", "comparison_operator": "resembles", "value": "a"},
                                 {"variable": "n", "comparison_operator": ">", "value": "many"}]}])
    g.end().link("start", "if").link("if", "end", "c1").link("if", "end", "else")
    fields = {e["field"] for e in _errors(g.dump()) if e["node_id"] == "if"}
    assert {"cases[0].conditions[0].variable", "cases[0].conditions[1].comparison_operator",
            "cases[0].conditions[2].value"} <= fields


def test_fail_handle_needs_the_error_branch_policy():
    g = _base()
    template_node(g, "fallback", "sorry")
    g.link("t", "fallback", "fail").link("fallback", "end")
    errors = _errors(g.dump())
    assert any(e["edge_id"] and e["field"] == "source_handle_id" and "error branch" in e["message"] for e in errors)
    g.node("t")["error_policy"] = {"strategy": "fail_branch"}
    assert check_graph(g.dump())


def test_llm_model_and_code_checks():
    g = G().start(start_input("q"))
    g.add("llm", "llm", prompt="{{q}}", model_config={"provider": "", "model": ""},
          inputs=[var("q", "string", ref("start", "q"))])
    g.add("code", "code", code="def helper(p):\n  return {}\n", outputs=[var("r")])
    g.add("code2", "code", code="def main(params:\n", outputs=[var("r")])
    g.end().chain("start", "llm", "code", "code2", "end")
    fields = {(e["node_id"], e["field"]) for e in _errors(g.dump())}
    assert {("llm", "model_config.provider"), ("llm", "model_config.model"), ("code", "code"),
            ("code2", "code")} <= fields


def test_body_references_may_use_outer_upstream_outputs_but_not_unknown_ones():
    def build(inner_ref):
        g = G().start(start_input("items", "list[string]"), start_input("prefix"))
        body = G().start(start_input("item"), node_id="bs")
        template_node(body, "bt", "{{p}}{{i}}", p=inner_ref, i=ref("bs", "item"))
        body.end(var("text", "string", ref("bt", "output")), node_id="be").chain("bs", "bt", "be")
        g.add("it", "iteration", inputs=[var("items", "list[string]", ref("start", "items"))],
              outputs=[var("text", "list[string]")], body=body.dump())
        return g.end(var("all", "list[string]", ref("it", "text"))).chain("start", "it", "end").dump()

    assert check_graph(build(ref("start", "prefix")))
    errors = _errors(build(ref("start", "nope")))
    assert errors[0]["node_id"] == "it" and errors[0]["field"] == "body.nodes[bt].inputs[0].value.content"


def test_error_policy_default_outputs_must_fit_the_outputs():
    g = _base()
    g.node("t")["error_policy"] = {"strategy": "default_value", "default_outputs": {"output": "x", "other": 1}}
    (error,) = _errors(g.dump())
    assert (error["node_id"], error["field"]) == ("t", "error_policy.default_outputs.other")


def test_tool_and_workflow_ids_are_collected():
    g = G().start(start_input("q"))
    g.add("tool", "tool", tool_type="api_tool", provider_id="prov-uuid", tool_id="getWeather",
          inputs=[var("city", "string", ref("start", "q"))])
    g.add("sub", "tool", tool_type="workflow", provider_id="wf-uuid", tool_id="",
          inputs=[var("q", "string", ref("start", "q"))])
    g.add("kb", "dataset_retrieval", dataset_ids=["d1", "d2"], inputs=[var("query", "string", ref("start", "q"))])
    g.end().chain("start", "tool", "sub", "kb", "end")
    refs = check_graph(g.dump()).references
    assert [(r.node_id, r.value.provider_id) for r in refs.tools] == [("tool", "prov-uuid"), ("sub", "wf-uuid")]
    assert [(r.node_id, r.value) for r in refs.workflows] == [("sub", "wf-uuid")]
    assert [(r.node_id, r.field, r.value) for r in refs.datasets] == [("kb", "dataset_ids[0]", "d1"),
                                                                        ("kb", "dataset_ids[1]", "d2")]


def test_classifier_and_extractor_need_their_fields():
    g = G().start(start_input("q"))
    g.add("cls", "question_classifier", model_config=MODEL, classes=[],
          inputs=[var("query", "string", ref("start", "q"))])
    g.add("ext", "parameter_extractor", model_config=MODEL, inputs=[var("text", "string", ref("start", "q"))])
    g.end().chain("start", "cls", "ext", "end")
    fields = {(e["node_id"], e["field"]) for e in _errors(g.dump())}
    assert {("cls", "classes"), ("ext", "inputs"), ("ext", "outputs")} <= fields


def _node_check_cases():
    def graph_with(node_type, **fields):
        g = G().start(start_input("q"), start_input("items", "list[string]"))
        g.add("x", node_type, title="X", **fields)
        return g.end().chain("start", "x", "end")

    q = var("q", "string", ref("start", "q"))
    return [
        ("duplicate input names", graph_with("template_transform", template="{{q}}", inputs=[q, dict(q)]),
         "inputs[1].name"),
        ("bad variable name", graph_with("template_transform", template="hi",
                                         inputs=[var("9lives", "string", ref("start", "q"))]), "inputs[0].name"),
        ("http input without a kind", graph_with("http_request", url="https://a.example.invalid", method="get",
                                                 inputs=[q]), "inputs[0].meta.type"),
        ("http unknown method", graph_with("http_request", url="https://a.example.invalid", method="fetch"),
         "method"),
        ("http relative url", graph_with("http_request", url="/relative", method="get"), "url"),
        ("dataset inputs", graph_with("dataset_retrieval", dataset_ids=["d"], inputs=[q]), "inputs"),
        ("dataset k", graph_with("dataset_retrieval", dataset_ids=["d"], retrieval_config={"k": 50},
                                 inputs=[var("query", "string", ref("start", "q"))]), "retrieval_config.k"),
        ("dataset strategy", graph_with("dataset_retrieval", dataset_ids=["d"],
                                        retrieval_config={"retrieval_strategy": "vibes"},
                                        inputs=[var("query", "string", ref("start", "q"))]),
         "retrieval_config.retrieval_strategy"),
        ("template syntax", graph_with("template_transform", template="{% if %}", inputs=[q]), "template"),
        ("tool type", graph_with("tool", tool_type="magic", provider_id="p", tool_id="t"), "tool_type"),
        ("assigner empty", graph_with("variable_assigner"), "inputs"),
        ("aggregator literal", graph_with("variable_aggregator", inputs=[var("a", "string", lit("x"))]),
         "inputs[0].value"),
        ("list operator needs a list", graph_with("list_operator", inputs=[q]), "inputs"),
        ("iteration output not a list", graph_with("iteration", inputs=[var("items", "list[string]",
                                                                            ref("start", "items"))],
                                                   outputs=[var("o", "string")]), "outputs[0].type"),
        ("loop output not a loop variable", graph_with("loop", inputs=[var("n", "int", lit(1))],
                                                       outputs=[var("m", "int")]), "outputs[0].name"),
        ("if/else without cases", graph_with("if_else", inputs=[q]), "cases"),
    ]


@pytest.mark.parametrize(("name", "graph", "field"), _node_check_cases(), ids=[c[0] for c in _node_check_cases()])
def test_node_checks(name, graph, field):
    errors = _errors(graph.dump())
    assert ("x", "X", field) in {(e["node_id"], e["node_title"], e["field"]) for e in errors}, errors


def test_start_inputs_cannot_be_references():
    g = G().start(var("q", "string", ref("end", "x"))).end().link("start", "end")
    errors = _errors(g.dump())
    assert ("start", "inputs[0].value") in {(e["node_id"], e["field"]) for e in errors}

"""The graph model: the console's shape round-trips exactly; drafts; malformed nodes reported."""
import copy
import json
from pathlib import Path

import pytest

from internal.core.tools.base import ToolType
from internal.core.workflow.entities.graph import parse_graph
from internal.core.workflow.entities.nodes import DatasetRetrievalNode, HttpRequestNode, LLMNode
from internal.core.workflow.validation import GraphValidationError, check_draft, check_graph

from .builders import G, var

UI_GRAPH = json.loads((Path(__file__).parents[2] / "fixtures" / "workflow" / "llmops_ui_graph.json").read_text())


def _json(data) -> str:
    return json.dumps(data, ensure_ascii=False, sort_keys=True)


def test_the_editor_graph_round_trips_exactly():
    checked = check_draft(copy.deepcopy(UI_GRAPH))
    assert checked.dump() == UI_GRAPH
    assert _json(checked.dump()) == _json(UI_GRAPH)  # no 100 -> 100.0, no added defaults
    strict = check_graph(copy.deepcopy(UI_GRAPH))
    assert _json(strict.dump()) == _json(UI_GRAPH)


def test_parsed_nodes_are_typed_by_node_type():
    graph, issues = parse_graph(copy.deepcopy(UI_GRAPH))
    assert issues == []
    by_type = {n.node_type: n for n in graph.nodes}
    assert len(by_type) == 8
    assert isinstance(by_type["llm"], LLMNode) and by_type["llm"].llm_config.model == "gpt-4o-mini"
    assert isinstance(by_type["dataset_retrieval"], DatasetRetrievalNode)
    assert by_type["dataset_retrieval"].retrieval_config.k == 4
    http = by_type["http_request"]
    assert isinstance(http, HttpRequestNode) and [v.meta["type"] for v in http.inputs] == ["headers", "params", "body"]


def test_strict_check_collects_the_ids_the_service_must_own():
    refs = check_graph(copy.deepcopy(UI_GRAPH)).references
    assert [(r.node_id[-3:], r.field, r.value.type, r.value.provider_id, r.value.tool_id) for r in refs.tools] == [
        ("004", "tool_id", ToolType.BUILTIN, "google", "google_serper")]
    assert [(r.node_id[-3:], r.field, r.value) for r in refs.datasets] == [
        ("002", "dataset_ids[0]", "6a0f4c2e-8d1b-4f6e-9c3a-2b7d5e8f1a10")]
    assert refs.workflows == []


def test_unknown_keys_from_the_editor_are_kept():
    graph = copy.deepcopy(UI_GRAPH)
    graph["nodes"][2]["meta"] = {"color": "blue", "nested": {"a": [1, 2.5]}}
    graph["nodes"][2]["inputs"][0]["meta"] = {"hint": "x"}
    graph["nodes"][2]["future_field"] = {"z": True}
    graph["edges"][0]["animated"] = True
    graph["viewport"] = {"zoom": 1}
    dumped = check_draft(copy.deepcopy(graph)).dump()
    assert _json(dumped) == _json(graph)
    assert dumped["viewport"] == {"zoom": 1}
    assert dumped["nodes"][2]["meta"] == {"color": "blue", "nested": {"a": [1, 2.5]}}
    assert dumped["nodes"][2]["future_field"] == {"z": True}
    assert dumped["nodes"][2]["inputs"][0]["meta"] == {"hint": "x"}
    assert dumped["edges"][0]["animated"] is True


# The editor's NODE_DATA_MAP defaults (DetailView.vue): what a freshly dropped node looks like.
FRESH_NODES = [
    {"node_type": "llm", "title": "大语言模型_aaaaa", "description": "", "prompt": "",
     "model_config": {"provider": "openai", "model": "gpt-4o-mini", "parameters": {"temperature": 0.5}},
     "inputs": [], "outputs": [{"name": "output", "type": "string", "value": {"type": "generated", "content": ""}}]},
    {"node_type": "tool", "title": "扩展插件_bbbbb", "description": "", "tool_type": "", "provider_id": "",
     "tool_id": "", "params": {}, "inputs": [],
     "outputs": [{"name": "text", "type": "string", "value": {"type": "generated", "content": ""}}],
     "meta": {"type": "api_tool", "provider": {"id": "", "name": "", "label": "", "icon": "", "description": ""},
              "tool": {"id": "", "name": "", "label": "", "description": "", "params": {}}}},
    {"node_type": "dataset_retrieval", "title": "知识库检索_ccccc", "description": "", "dataset_ids": [],
     "retrieval_config": {"retrieval_strategy": "semantic", "k": 4, "score": 0},
     "inputs": [{"name": "query", "type": "string",
                 "value": {"type": "ref", "content": {"ref_node_id": "", "ref_var_name": ""}}}],
     "outputs": [{"name": "combine_documents", "type": "string", "value": {"type": "generated", "content": ""}}],
     "meta": {"datasets": []}},
    {"node_type": "http_request", "title": "HTTP请求_ddddd", "description": "", "url": "", "method": "get",
     "inputs": [], "outputs": [{"name": "status_code", "type": "int", "value": {"type": "generated", "content": 0}},
                               {"name": "text", "type": "string", "value": {"type": "generated", "content": ""}}]},
    {"node_type": "code", "title": "Python代码执行_eeeee", "description": "", "code": "", "inputs": [], "outputs": []},
]


def _with_fresh_nodes() -> dict:
    graph = copy.deepcopy(UI_GRAPH)
    for i, node in enumerate(FRESH_NODES):
        graph["nodes"].append({"id": f"fresh-{i}", "position": {"x": 0, "y": 0}, **copy.deepcopy(node)})
    return graph


def test_a_draft_accepts_unfinished_nodes_and_keeps_them():
    graph = _with_fresh_nodes()
    dumped = check_draft(graph).dump()
    assert _json(dumped) == _json(graph)


def test_strict_check_names_each_unfinished_field():
    with pytest.raises(GraphValidationError) as err:
        check_graph(_with_fresh_nodes())
    found = {(e["node_id"], e["field"]) for e in err.value.data["errors"]}
    assert {("fresh-0", "prompt"), ("fresh-1", "tool_type"), ("fresh-1", "provider_id"), ("fresh-1", "tool_id"),
            ("fresh-2", "dataset_ids"), ("fresh-2", "inputs[0].value.content"), ("fresh-3", "url"),
            ("fresh-4", "code")} <= found
    for error in err.value.data["errors"]:
        if error["node_id"] and error["node_id"].startswith("fresh-"):
            assert error["node_title"].endswith(("aaaaa", "bbbbb", "ccccc", "ddddd", "eeeee"))


def test_malformed_nodes_are_reported_never_dropped():
    """Course defect #8: `_validate_graph` skipped nodes it could not parse and answered 'saved'."""
    g = G().start(var("q")).end()
    g.nodes.append({"id": "bad-1", "node_type": "llm", "title": "Broken LLM", "prompt": 42,
                    "inputs": "not-a-list"})
    g.nodes.append({"id": "bad-2", "node_type": "teleport", "title": "Unknown"})
    g.nodes.append({"id": "bad-3", "title": "No type"})
    g.nodes.append("not even an object")
    with pytest.raises(GraphValidationError) as err:
        check_draft(g.dump())
    errors = err.value.data["errors"]
    assert {(e["node_id"], e["node_title"], e["field"]) for e in errors} >= {
        ("bad-1", "Broken LLM", "prompt"), ("bad-1", "Broken LLM", "inputs"),
        ("bad-2", "Unknown", "node_type"), ("bad-3", "No type", "node_type")}
    assert any(e["field"] == "nodes[5]" for e in errors)
    assert err.value.message and err.value.data["errors"]


def test_draft_rejects_dangling_edges_duplicate_ids_and_wrong_edge_types():
    g = G().start(var("q")).end().link("start", "end")
    g.edges.append({"id": "ghost", "source": "start", "source_type": "start", "target": "nowhere",
                    "target_type": "end"})
    g.edges.append({"id": "liar", "source": "start", "source_type": "llm", "target": "end", "target_type": "end"})
    g.nodes.append(dict(g.nodes[0]))
    with pytest.raises(GraphValidationError) as err:
        check_draft(g.dump())
    found = {(e["node_id"], e["edge_id"], e["field"]) for e in err.value.data["errors"]}
    assert ("start", "ghost", "target") in found  # named by the node it leaves
    assert (None, "liar", "source_type") in found
    assert ("start", None, "id") in found


def test_nested_body_errors_name_the_container_and_the_inner_node():
    g = G().start(var("items", "list[string]"))
    g.add("it", "iteration", title="Each", inputs=[var("items", "list[string]")],
          body={"nodes": [{"id": "inner", "node_type": "llm", "title": "Inner", "prompt": ["x"]}], "edges": []})
    with pytest.raises(GraphValidationError) as err:
        check_draft(g.dump())
    (error,) = err.value.data["errors"]
    assert error["node_id"] == "it" and error["node_title"] == "Each"
    assert error["field"] == "body.nodes[0].prompt"


def test_draft_references_skip_unfinished_tool_nodes():
    refs = check_draft(_with_fresh_nodes()).references
    assert [r.node_id for r in refs.tools] == ["18d9c8ad-0d43-4d4e-a0b8-a6e0c4b0a004"]  # fresh-1 is not filled in
    assert [r.value for r in refs.datasets] == ["6a0f4c2e-8d1b-4f6e-9c3a-2b7d5e8f1a10"]


def test_body_node_ids_must_differ_from_the_ids_around_them():
    g = G().start(var("items", "list[string]"))
    body = G().start(var("item"), node_id="start")  # the outer start's id again
    body.end(var("o", "string", {"type": "ref", "content": {"ref_node_id": "start", "ref_var_name": "item"}}),
             node_id="be").link("start", "be")
    g.add("it", "iteration", title="Each", inputs=[var("items", "list[string]")], body=body.dump())
    with pytest.raises(GraphValidationError) as err:
        check_draft(g.dump())
    (error,) = err.value.data["errors"]
    assert (error["node_id"], error["node_title"], error["field"]) == ("it", "Each", "body.nodes[start].id")

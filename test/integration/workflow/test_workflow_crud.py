"""Console /workflows CRUD and the draft graph: the course's field names, the editor's graph read
back equal, search/status filters, unique tool names, tenant isolation on every route."""
from __future__ import annotations

import uuid

from .helpers import ICON, create_dataset, create_workflow, debug_refusal, runnable_graph, ui_graph


def test_create_read_list_update_delete(console):
    wf_id = create_workflow(console, "售后助手", "after_sales")
    other = create_workflow(console, "翻译", "translate")
    got = console.get(f"/workflows/{wf_id}")["data"]
    assert {k: got[k] for k in ("name", "tool_call_name", "icon", "status", "is_debug_passed", "node_count",
                                "published_at")} == {"name": "售后助手", "tool_call_name": "after_sales", "icon": ICON,
                                                     "status": "draft", "is_debug_passed": False, "node_count": 0,
                                                     "published_at": 0}
    assert got["created_at"] > 0 and got["updated_at"] >= got["created_at"]

    page = console.get("/workflows", query_string={"current_page": 1, "page_size": 20})["data"]
    assert [w["id"] for w in page["list"]] == [other, wf_id]
    assert page["paginator"] == {"total_page": 1, "total_record": 2, "current_page": 1, "page_size": 20}
    found = console.get("/workflows", query_string={"search_word": "售后"})["data"]["list"]
    assert [w["id"] for w in found] == [wf_id]
    assert console.get("/workflows", query_string={"status": "published"})["data"]["list"] == []
    assert console.get("/workflows", query_string={"status": "gone"})["code"] == "validate_error"

    body = {"name": "售后助手 2", "tool_call_name": "after_sales_2", "icon": ICON, "description": "新的"}
    assert console.post(f"/workflows/{wf_id}", json=body)["code"] == "success"
    assert console.get(f"/workflows/{wf_id}")["data"]["tool_call_name"] == "after_sales_2"

    taken = console.post("/workflows", json={**body, "name": "x"})
    assert taken["code"] == "validate_error" and taken["message"].startswith("tool_call_name")
    bad = console.post("/workflows", json={**body, "tool_call_name": "1 bad name"})
    assert bad["code"] == "validate_error" and bad["data"]["errors"][0]["field"] == "tool_call_name"

    assert console.post(f"/workflows/{wf_id}/delete")["code"] == "success"
    assert console.get(f"/workflows/{wf_id}")["code"] == "not_found"


def test_draft_graph_reads_back_exactly_as_the_editor_saved_it(console):
    wf_id = create_workflow(console)
    assert console.get(f"/workflows/{wf_id}/draft-graph")["data"] == {"nodes": [], "edges": []}
    graph = ui_graph(create_dataset(console))
    assert console.post(f"/workflows/{wf_id}/draft-graph", json=graph)["code"] == "success"
    assert console.get(f"/workflows/{wf_id}/draft-graph")["data"] == graph
    assert console.get(f"/workflows/{wf_id}")["data"]["node_count"] == len(graph["nodes"])


def test_unfinished_drafts_save_malformed_nodes_are_named_never_dropped(console):
    wf_id = create_workflow(console)
    unfinished = {"nodes": [{"id": "n1", "node_type": "llm", "title": "LLM", "description": "",
                             "position": {"x": 0, "y": 0}, "prompt": "", "inputs": [], "outputs": []}], "edges": []}
    assert console.post(f"/workflows/{wf_id}/draft-graph", json=unfinished)["code"] == "success"
    assert console.get(f"/workflows/{wf_id}/draft-graph")["data"] == unfinished
    broken = {"nodes": [*unfinished["nodes"], {"id": "n2", "node_type": "teleport", "title": "?"}], "edges": []}
    resp = console.post(f"/workflows/{wf_id}/draft-graph", json=broken)
    assert resp["code"] == "validate_error"
    assert any(e["node_id"] == "n2" and e["field"] for e in resp["data"]["errors"]), resp
    assert console.get(f"/workflows/{wf_id}/draft-graph")["data"] == unfinished  # nothing written
    for body in ({"nodes": "x"}, {"nodes": [1]}, {"edges": [{"id": 3}]}):
        assert console.post(f"/workflows/{wf_id}/draft-graph", json=body)["code"] == "validate_error", body


def test_other_tenants_workflows_are_not_found_on_every_route(console, other_console):
    wf_id = create_workflow(console)
    assert console.post(f"/workflows/{wf_id}/draft-graph", json=runnable_graph())["code"] == "success"
    body = {"name": "x", "tool_call_name": "x", "icon": ICON}
    for method, path, kw in (("GET", "", {}), ("POST", "", {"json": body}), ("GET", "/draft-graph", {}),
                             ("POST", "/draft-graph", {"json": runnable_graph()}),
                             ("POST", "/publish", {}), ("POST", "/cancel-publish", {}), ("POST", "/delete", {})):
        resp = other_console.call(method, f"/workflows/{wf_id}{path}", **kw)
        assert resp["code"] == "not_found", (method, path, resp)
    assert debug_refusal(other_console, wf_id, {"query": "q"})["code"] == "not_found"
    assert other_console.get("/workflows")["data"]["list"] == []
    assert console.get(f"/workflows/{uuid.uuid4()}")["code"] == "not_found"
    assert console.get(f"/workflows/{wf_id}")["data"]["name"] == "客服工作流"

"""Shared helpers of the workflow tests: create workflows through the console, the graphs the
tests run (in the console's shape), and a reader of the debug stream."""
from __future__ import annotations

import copy
import json
import uuid
from pathlib import Path

from pkg import sse
from test.unit.workflow.builders import G, code_node, lit, ref, start_input, template_node, var

ICON = "https://cdn.example.com/wf.png"
UI_GRAPH = Path(__file__).resolve().parents[2] / "fixtures" / "workflow" / "llmops_ui_graph.json"


def create_workflow(console, name: str = "客服工作流", tool_call_name: str | None = None) -> str:
    body = {"name": name, "tool_call_name": tool_call_name or f"wf_{uuid.uuid4().hex[:8]}", "icon": ICON,
            "description": "回答售后问题"}
    resp = console.post("/workflows", json=body)
    assert resp["code"] == "success", resp
    return resp["data"]["id"]


def create_dataset(console) -> str:
    resp = console.post("/datasets", json={"name": f"ds-{uuid.uuid4().hex[:6]}", "icon": "", "description": ""})
    assert resp["code"] == "success", resp
    return resp["data"]["id"]


def ui_graph(dataset_id: str) -> dict:
    """The editor's save of llmops-ui's 8 node types, pointing at the caller's dataset and at a
    builtin tool of our catalog (the course's google_serper is not one)."""
    graph = json.loads(UI_GRAPH.read_text())
    for node in graph["nodes"]:
        if node["node_type"] == "tool":
            node["provider_id"], node["tool_id"] = "duckduckgo", "duckduckgo_search"
            node["meta"]["provider"].update(id="duckduckgo", name="duckduckgo")
            node["meta"]["tool"].update(id="duckduckgo_search", name="duckduckgo_search")
        if node["node_type"] == "dataset_retrieval":
            node["dataset_ids"] = [dataset_id]
            for shown in node.get("meta", {}).get("datasets", []):
                shown["id"] = dataset_id
    return graph


CODE = "def main(params):\n    return {\"length\": len(params[\"text\"]), \"shout\": params[\"text\"].upper()}\n"


def runnable_graph() -> dict:
    """start(query) → template → code (sandboxed) → end: runs without any model or network."""
    g = G().start(start_input("query"), start_input("count", "int", required=False))
    template_node(g, "tpl", "你好，{{ q }}！", q=ref("start", "query"))
    code_node(g, "code", CODE, {"text": ("string", ref("tpl", "output"))}, {"length": "int", "shout": "string"})
    g.end(var("answer", "string", ref("tpl", "output")), var("length", "int", ref("code", "length")),
          var("shout", "string", ref("code", "shout")))
    g.chain("start", "tpl", "code", "end")
    for i, node in enumerate(g.nodes):
        node["title"] = {"start": "开始", "tpl": "模板转换", "code": "代码", "end": "结束"}[node["id"]]
        node["id"], old = f"00000000-0000-4000-8000-00000000000{i}", node["id"]
        _rename(g, old, node["id"])
    return g.dump()


def _rename(g: G, old: str, new: str) -> None:
    for edge in g.edges:
        edge["source"] = new if edge["source"] == old else edge["source"]
        edge["target"] = new if edge["target"] == old else edge["target"]
    for node in g.nodes:
        for v in node.get("inputs", []) + node.get("outputs", []):
            content = (v.get("value") or {}).get("content")
            if isinstance(content, dict) and content.get("ref_node_id") == old:
                content["ref_node_id"] = new


def node_id(graph: dict, node_type: str) -> str:
    return next(n["id"] for n in graph["nodes"] if n["node_type"] == node_type)


def with_literal(graph: dict, value: str) -> dict:
    graph = copy.deepcopy(graph)
    graph["nodes"][1]["template"] = value
    return graph


def read_frames(response) -> list[tuple[str, dict]]:
    """(event, data) of every frame of a streamed response (Flask test client or httpx)."""
    body = response.get_data() if hasattr(response, "get_data") else response.read()
    return list(sse.parse([body]))


__all__ = ["ICON", "G", "create_dataset", "create_workflow", "lit", "node_id", "read_frames", "ref",
           "runnable_graph", "start_input", "ui_graph", "var", "with_literal"]


def debug_refusal(console, wf_id: str, inputs=None, **kw) -> dict:
    """A refused debug request as the envelope it carries: the route answers one SSE frame
    (HTTP 200, text/event-stream) of the debug shape with `code`, `error` and `errors`."""
    response = console.http.post(f"/workflows/{wf_id}/debug", headers={**console.account.headers, **kw.pop("headers", {})},
                                 **({"json": inputs} if inputs is not None else {}), **kw)
    assert response.status_code == 200 and response.mimetype == "text/event-stream"
    frames = read_frames(response)
    assert len(frames) == 1 and frames[0][0] == "workflow", frames
    data = frames[0][1]
    assert data["node_data"]["node_type"] == "workflow" and data["node_data"]["title"] and data["latency"] == 0.0
    return {"code": data["code"], "message": data["error"], "data": {"errors": data["errors"]}}

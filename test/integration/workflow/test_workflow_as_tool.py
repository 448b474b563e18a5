"""A published workflow is a tool: the tool node of another workflow calls it (by id, the
caller's own, published), and workflows that call each other stop at the depth limit."""
from __future__ import annotations

import json

from internal.core.tools.base import ToolCallContext, ToolNotFoundError, ToolRef, ToolType
from internal.service.tool.tool_resolver_service import ToolResolverService

from .helpers import G, create_workflow, read_frames, ref, runnable_graph, start_input, var
from .test_workflow_api_run import api_key, published


def caller_graph(called_id: str) -> dict:
    g = G().start(start_input("query"))
    g.add("call", "tool", title="子工作流", tool_type="workflow", provider_id=called_id, tool_id="", params={},
          inputs=[var("query", "string", ref("start", "query"))], outputs=[var("text")])
    g.end(var("text", "string", ref("call", "text")))
    return g.chain("start", "call", "end").dump()


def debug(console, wf_id: str, inputs: dict) -> list[dict]:
    response = console.http.post(f"/workflows/{wf_id}/debug", json=inputs, headers=console.account.headers)
    return [d for _, d in read_frames(response)]


def test_the_tool_node_calls_a_published_workflow(app, console):
    called = published(console)
    caller = create_workflow(console)
    assert console.post(f"/workflows/{caller}/draft-graph", json=caller_graph(called))["code"] == "success"
    frames = debug(console, caller, {"query": "子"})
    assert [f["status"] for f in frames] == ["succeeded"] * 3, frames
    assert json.loads(frames[-1]["outputs"]["text"]) == {"answer": "你好，子！", "length": 5, "shout": "你好，子！"}

    with app.app_context():  # the resolver itself: the tool's name and schema come from the workflow
        tool = app.extensions["injector"].get(ToolResolverService).resolve(
            ToolRef(type=ToolType.WORKFLOW, provider_id=called), ToolCallContext(account_id=console.account.account_id))
        assert tool.name.startswith("wf_wf_") and tool.input_schema["required"] == ["query"]
        assert tool.input_schema["properties"]["count"] == {"type": "integer"}
        assert not tool.invoke({"query": "x", "count": "many"}).ok  # inputs checked like any run's


def test_only_the_callers_published_workflows_are_tools(app, console, other_console):
    draft = create_workflow(console)
    others = published(other_console)
    with app.app_context():
        resolver = app.extensions["injector"].get(ToolResolverService)
        for wf_id in (draft, others, "not-a-uuid"):
            try:
                resolver.resolve(ToolRef(type=ToolType.WORKFLOW, provider_id=wf_id),
                                 ToolCallContext(account_id=console.account.account_id))
            except ToolNotFoundError:
                continue
            raise AssertionError(f"{wf_id} resolved")
    caller = create_workflow(console)
    assert console.post(f"/workflows/{caller}/draft-graph", json=caller_graph(draft))["code"] == "success"
    frames = debug(console, caller, {"query": "q"})
    assert frames[0]["code"] == "validate_error" and "not published" in frames[0]["error"]


def test_workflows_calling_each_other_stop_at_the_depth_limit(app, console):
    a = create_workflow(console)
    console.post(f"/workflows/{a}/draft-graph", json=runnable_graph())
    read_frames(console.http.post(f"/workflows/{a}/debug", json={"query": "q"}, headers=console.account.headers))
    assert console.post(f"/workflows/{a}/publish")["code"] == "success"
    b = create_workflow(console)  # b calls a
    console.post(f"/workflows/{b}/draft-graph", json=caller_graph(a))
    assert debug(console, b, {"query": "q"})[-1]["status"] == "succeeded"
    assert console.post(f"/workflows/{b}/publish")["code"] == "success"
    console.post(f"/workflows/{a}/draft-graph", json=caller_graph(b))  # now a calls b, which calls a
    assert debug(console, a, {"query": "q"})[-1]["status"] == "succeeded"  # a's published graph is still the plain one
    assert console.post(f"/workflows/{a}/publish")["code"] == "success"

    resp = app.test_client().post(f"/openapi/workflows/{a}/run", json={"inputs": {"query": "q"}},
                                  headers=api_key(app, console.account.account_id))
    body = resp.get_json()
    assert resp.status_code == 200 and body["status"] == "failed", body
    assert "levels deep" in body["error"]

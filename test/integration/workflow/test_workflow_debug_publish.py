"""Debug runs streamed as SSE (DESIGN §1 frames), what they record, and publishing gated on a
passed debug run of the current draft."""
from __future__ import annotations

from sqlalchemy import select

from internal.model.workflow import WorkflowNodeRun, WorkflowResult
from pkg.sqlalchemy import SQLAlchemy

from .helpers import create_workflow, debug_refusal, read_frames, runnable_graph, with_literal


def debug(console, wf_id: str, inputs: dict):
    response = console.http.post(f"/workflows/{wf_id}/debug", json=inputs, headers=console.account.headers)
    assert response.status_code == 200
    return response


def test_debug_streams_one_frame_per_node_then_publish_and_cancel(app, console):
    wf_id = create_workflow(console)
    graph = runnable_graph()
    assert console.post(f"/workflows/{wf_id}/draft-graph", json=graph)["code"] == "success"
    assert console.post(f"/workflows/{wf_id}/publish")["code"] == "fail"  # not debugged yet

    response = debug(console, wf_id, {"query": "世界"})
    assert response.mimetype == "text/event-stream" and response.headers["X-Accel-Buffering"] == "no"
    frames = read_frames(response)
    assert [e for e, _ in frames] == ["workflow"] * 4
    assert [d["node_data"]["node_type"] for _, d in frames] == ["start", "template_transform", "code", "end"]
    for _, data in frames:
        assert data["status"] == "succeeded" and isinstance(data["latency"], float) and data["error"] == ""
        assert data["node_data"]["title"] and data["node_data"]["type"] == data["node_data"]["node_type"]
    assert frames[0][1]["outputs"] == {"query": "世界", "count": None}
    assert frames[-1][1]["outputs"] == {"answer": "你好，世界！", "length": 6, "shout": "你好，世界！"}
    assert console.get(f"/workflows/{wf_id}")["data"]["is_debug_passed"] is True

    db = app.extensions["injector"].get(SQLAlchemy)
    with app.app_context():
        run = db.session.scalars(select(WorkflowResult)).one()
        assert (run.status, run.invoke_from, run.inputs) == ("succeeded", "debugger", {"query": "世界"})
        nodes = db.session.scalars(select(WorkflowNodeRun).order_by(WorkflowNodeRun.position)).all()
        assert [n.record["node_type"] for n in nodes] == ["start", "template_transform", "code", "end"]

    moved = runnable_graph()
    moved["nodes"][1]["position"] = {"x": 999, "y": 1}  # a drag keeps the passed debug run
    console.post(f"/workflows/{wf_id}/draft-graph", json=moved)
    assert console.get(f"/workflows/{wf_id}")["data"]["is_debug_passed"] is True

    assert console.post(f"/workflows/{wf_id}/publish")["code"] == "success"
    got = console.get(f"/workflows/{wf_id}")["data"]
    assert got["status"] == "published" and got["published_at"] > 0
    assert [w["id"] for w in console.get("/workflows", query_string={"status": "published"})["data"]["list"]] == [wf_id]

    assert console.post(f"/workflows/{wf_id}/cancel-publish")["code"] == "success"
    assert console.get(f"/workflows/{wf_id}")["data"]["status"] == "draft"
    assert console.post(f"/workflows/{wf_id}/cancel-publish")["code"] == "fail"


def test_a_changed_draft_needs_a_new_debug_run(console):
    wf_id = create_workflow(console)
    console.post(f"/workflows/{wf_id}/draft-graph", json=runnable_graph())
    read_frames(debug(console, wf_id, {"query": "a"}))
    assert console.get(f"/workflows/{wf_id}")["data"]["is_debug_passed"] is True
    console.post(f"/workflows/{wf_id}/draft-graph", json=with_literal(runnable_graph(), "changed {{ q }}"))
    assert console.get(f"/workflows/{wf_id}")["data"]["is_debug_passed"] is False
    assert console.post(f"/workflows/{wf_id}/publish")["code"] == "fail"


def test_a_failing_node_is_a_failed_frame_and_the_debug_does_not_pass(console):
    wf_id = create_workflow(console)
    graph = runnable_graph()
    graph["nodes"][2]["code"] = "def main(params):\n    raise ValueError('boom')\n"
    console.post(f"/workflows/{wf_id}/draft-graph", json=graph)
    frames = read_frames(debug(console, wf_id, {"query": "x"}))
    last = frames[-1][1]
    assert last["node_data"]["node_type"] == "code" and last["status"] == "failed" and "boom" in last["error"]
    assert console.get(f"/workflows/{wf_id}")["data"]["is_debug_passed"] is False


def test_bad_inputs_are_a_validate_error_frame_before_any_run(app, console):
    wf_id = create_workflow(console)
    console.post(f"/workflows/{wf_id}/draft-graph", json=runnable_graph())
    for inputs, field in (({}, "inputs.query"), ({"query": None}, "inputs.query"),
                          ({"query": "q", "count": "many"}, "inputs.count"), ({"query": "q", "count": "false"}, "inputs.count")):
        resp = debug_refusal(console, wf_id, inputs)
        assert resp["code"] == "validate_error", (inputs, resp)
        assert resp["data"]["errors"][0]["field"] == field
    assert debug_refusal(console, wf_id, data="not json",
                         headers={"Content-Type": "application/json"})["code"] == "validate_error"
    db = app.extensions["injector"].get(SQLAlchemy)
    with app.app_context():
        assert db.session.scalars(select(WorkflowResult)).all() == []

"""The debug frames of DESIGN §1 (internal/service/workflow/debug_frames.py): node_data with
node_type/type/title and a float latency on every frame, a run-level frame only for a failure no
node frame showed, and frames kept under ~4 KB however large a node's values are."""
from __future__ import annotations

from internal.core.workflow.entities.runs import EventType, WorkflowEvent
from internal.service.workflow.debug_frames import MAX_FRAME_BYTES, DebugFrames, refusal_frame
from pkg import sse


def _data(frame: bytes) -> tuple[str, dict]:
    return next(sse.parse([frame]))


def _node(etype: EventType, node_id: str = "n1", **kw) -> WorkflowEvent:
    return WorkflowEvent(etype, "run", node_id=node_id, node_type="code", title="代码", latency=1, **kw)


def test_finished_top_level_nodes_only():
    frames = DebugFrames("run")
    assert frames.frame_for(_node(EventType.NODE_STARTED)) is None
    assert frames.frame_for(_node(EventType.NODE_CHUNK, text="x")) is None
    assert frames.frame_for(_node(EventType.NODE_SUCCEEDED, parent_node_id="loop", index=0)) is None
    event, data = _data(frames.frame_for(_node(EventType.NODE_SUCCEEDED, outputs={"a": 1})))
    assert event == "workflow" and data["node_data"] == {"id": "n1", "node_type": "code", "type": "code",
                                                         "title": "代码"}
    assert data["status"] == "succeeded" and data["latency"] == 1.0 and isinstance(data["latency"], float)
    assert data["outputs"] == {"a": 1} and data["inputs"] == {} and data["error"] == "" and data["run_id"] == "run"
    assert frames.frame_for(WorkflowEvent(EventType.RUN_SUCCEEDED, "run")) is None


def test_a_run_failure_is_framed_once():
    frames = DebugFrames("run")
    assert _data(frames.frame_for(_node(EventType.NODE_FAILED, error="boom")))[1]["status"] == "failed"
    assert frames.frame_for(WorkflowEvent(EventType.RUN_FAILED, "run", node_id="n1", error="boom")) is None
    event, data = _data(DebugFrames("run").frame_for(
        WorkflowEvent(EventType.RUN_FAILED, "run", error="no path reached the end node")))
    assert data["node_data"]["node_type"] == "workflow" and data["status"] == "failed" and data["error"]
    stopped = _data(DebugFrames("run").frame_for(WorkflowEvent(EventType.RUN_STOPPED, "run")))[1]
    assert stopped["status"] == "stopped" and isinstance(stopped["latency"], float)


def test_large_values_are_cut_to_one_small_frame():
    big = {"text": "长" * 50_000, "items": list(range(5_000)), "n": 7}
    frame = DebugFrames("run").frame_for(_node(EventType.NODE_SUCCEEDED, inputs=big, outputs=big, error="e" * 9000))
    assert len(frame) <= MAX_FRAME_BYTES and frame.count(b"\n\n") == 1
    data = _data(frame)[1]
    assert data["outputs"]["n"] == 7 and data["outputs"]["text"].endswith("…")
    assert data["node_data"]["title"] == "代码"


def test_a_refusal_is_one_frame_of_the_debug_shape():
    errors = [{"node_id": "n1", "node_title": "代码", "field": "code", "edge_id": None, "message": "x" * 3000}] * 30
    frame = refusal_frame("validate_error", "node 代码 (n1) code: " + "x" * 9000, errors)
    assert len(frame) <= MAX_FRAME_BYTES
    event, data = _data(frame)
    assert event == "workflow" and data["code"] == "validate_error" and data["status"] == "failed"
    assert data["node_data"] == {"id": "n1", "node_type": "workflow", "type": "workflow", "title": "代码"}
    assert data["errors"][0]["field"] == "code" and data["latency"] == 0.0
    assert _data(refusal_frame("not_found", "workflow not found"))[1]["node_data"]["title"] == "workflow run"

"""Engine events → the workflow debug SSE frames of DESIGN §1.

One `event: workflow` frame per finished top-level node (succeeded or failed), in the order the
nodes finished: `{id, run_id, node_id, node_data{id, node_type, type, title}, status, inputs,
outputs, latency (seconds), error, total_tokens, total_price}`. The console pushes every frame
into its node results and reads `node_data.node_type`/`title` and a numeric `latency` from each,
so no frame lacks them (keep-alives are `: ping` comments, never events). A run that fails or is
stopped without a failed node to show it (no path reached the end, the time limit, a stop) ends
with one more frame whose `node_data.node_type` is `workflow`; so does a request refused before
any run (`refusal_frame`: the envelope's `code` and `errors` added). Frames stay under ~4 KB:
long inputs/outputs are cut in the stream (the node run rows keep them whole)."""
from __future__ import annotations

import uuid
from typing import Any

from internal.core.workflow.entities.runs import EventType, WorkflowEvent
from pkg import sse
from pkg.json_codec import dumps

EVENT = "workflow"
MAX_FRAME_BYTES = 4000
_NODE_DONE = {EventType.NODE_SUCCEEDED: "succeeded", EventType.NODE_FAILED: "failed"}
_RUN_END = {EventType.RUN_FAILED: "failed", EventType.RUN_STOPPED: "stopped"}


def _clip(value: Any, limit: int) -> Any:
    if isinstance(value, str):
        return value if len(value) <= limit else value[:limit] + "…"
    if isinstance(value, bool | int | float) or value is None:
        return value
    text = dumps(value).decode("utf-8")
    return value if len(text) <= limit else text[:limit] + "…"


def fit(data: dict[str, Any]) -> bytes:
    """The frame, with inputs/outputs/error cut until it is small enough to arrive in one read."""
    frame = sse.frame(EVENT, data)
    limit = 1000
    while len(frame) > MAX_FRAME_BYTES and limit >= 8:
        cut = {**data, "error": _clip(data.get("error") or "", limit)}
        for key in ("inputs", "outputs"):
            cut[key] = {k: _clip(v, limit) for k, v in (data.get(key) or {}).items()}
        frame = sse.frame(EVENT, cut)
        limit //= 2
    if len(frame) > MAX_FRAME_BYTES:
        frame = sse.frame(EVENT, {**data, "inputs": {}, "outputs": {}, "error": _clip(data.get("error") or "", 200)})
    return frame


class DebugFrames:
    """Stateful per run: remembers which nodes already showed their failure."""

    def __init__(self, run_id: str):
        self.run_id = run_id
        self._failed_nodes: set[str] = set()

    def _data(self, event: WorkflowEvent, status: str, node_data: dict[str, Any]) -> dict[str, Any]:
        return {"id": str(uuid.uuid4()), "run_id": self.run_id, "node_id": node_data["id"], "node_data": node_data,
                "status": status, "inputs": event.inputs or {}, "outputs": event.outputs or {},
                "latency": float(event.latency or 0.0), "error": event.error or "",
                "total_tokens": int(event.total_tokens or 0), "total_price": float(event.total_price or 0.0)}

    def frame_for(self, event: WorkflowEvent) -> bytes | None:
        if event.type in _NODE_DONE and event.parent_node_id is None:
            status = _NODE_DONE[event.type]
            if status == "failed":
                self._failed_nodes.add(event.node_id or "")
            node_type = event.node_type or ""
            node_data = {"id": event.node_id or "", "node_type": node_type, "type": node_type,
                         "title": event.title or ""}
            return fit(self._data(event, status, node_data))
        if event.type in _RUN_END and not (event.type == EventType.RUN_FAILED and event.node_id in self._failed_nodes):
            node_data = {"id": event.node_id or "", "node_type": "workflow", "type": "workflow",
                         "title": "workflow run"}
            return fit(self._data(event, _RUN_END[event.type], node_data))
        return None


def refusal_frame(code: str, message: str, errors: list[dict[str, Any]] | None = None) -> bytes:
    """A debug request refused before any run (graph, ids, inputs, not found): still one SSE
    frame of the debug shape (the console reads nothing from a JSON body on this route and breaks
    on a frame without node_data), with the envelope's `code` and the named `errors`."""
    first = (errors or [{}])[0]
    node_data = {"id": first.get("node_id") or "", "node_type": "workflow", "type": "workflow",
                 "title": first.get("node_title") or "workflow run"}
    data = {"id": str(uuid.uuid4()), "run_id": "", "node_id": node_data["id"], "node_data": node_data,
            "status": "failed", "inputs": {}, "outputs": {}, "latency": 0.0, "error": _clip(message, 1000),
            "total_tokens": 0, "total_price": 0.0, "code": code, "errors": []}
    errors = list(errors or [])
    for keep, limit in ((20, 300), (3, 100), (0, 0)):  # fewer, shorter issues until the frame is small
        data["errors"] = [{**e, "message": _clip(str(e.get("message") or ""), limit)} for e in errors[:keep]]
        frame = sse.frame(EVENT, data)
        if len(frame) <= MAX_FRAME_BYTES:
            break
    return frame

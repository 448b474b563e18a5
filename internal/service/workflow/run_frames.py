"""A run's engine events → SSE frames on its run channel (the process or worker that runs it
publishes; every process serving a reader of the run re-emits the frames unchanged).

Three shapes, chosen by who asked for the run:
- `debug`: the console's debug frames (debug_frames.py), the bytes the console's reader parses;
- `events`: the API stream, `event: <engine event type>` with the event's fields as data;
- `result`: a blocking API call, one frame `event: result` with the blocking answer (`dump_result`)
  and nothing before it (the caller waits for the end only).

The last frame is published `terminal`, after the run's own bookkeeping (its rows, the lease,
`is_debug_passed`): a reader that saw the end sees its effects. A debug run that succeeded has no
frame of its own for the end, so its terminal frame is empty (readers drop empty frames)."""
from __future__ import annotations

import logging
import threading
from enum import StrEnum
from typing import Any

from internal.core.streaming import StreamChannel
from internal.core.workflow.entities.node_type import PURE_TYPES
from internal.core.workflow.entities.runs import EventType, NodeStatus, RunResult, RunStatus, WorkflowEvent
from internal.entity.workflow_entity import InvokeFrom
from pkg import sse

from .debug_frames import DebugFrames

log = logging.getLogger(__name__)
RUN_END = {EventType.RUN_SUCCEEDED, EventType.RUN_FAILED, EventType.RUN_STOPPED}
RESULT_EVENT = "result"


class FrameStyle(StrEnum):
    DEBUG = "debug"
    EVENTS = "events"
    RESULT = "result"

    @classmethod
    def of(cls, invoke_from: str, blocking: bool = False) -> FrameStyle:
        if invoke_from == InvokeFrom.DEBUGGER.value:
            return cls.DEBUG
        return cls.RESULT if blocking else cls.EVENTS


def dump_result(result: RunResult) -> dict[str, Any]:
    """The blocking API answer (and `GET …/runs/<run_id>`)."""
    nodes = [{"node_id": r.node_id, "node_type": r.node_type, "title": r.title, "status": str(r.status),
              "inputs": r.inputs, "outputs": r.outputs, "error": r.error or "", "latency": r.latency,
              "total_tokens": r.total_tokens, "total_price": r.total_price}
             for r in result.node_records if r.status != NodeStatus.SKIPPED]
    return {"run_id": result.run_id, "status": str(result.status), "outputs": result.outputs,
            "error": result.error or "", "error_node_id": result.error_node_id or "", "latency": result.latency,
            "total_tokens": result.total_tokens, "total_price": result.total_price, "node_results": nodes}


def failure_frame(style: FrameStyle, run_id: str, error: str) -> bytes:
    """A run that ended without its own end event (its store failed, its stream was lost)."""
    event = WorkflowEvent(EventType.RUN_FAILED, run_id, status=RunStatus.FAILED, error=error)
    if style == FrameStyle.DEBUG:
        return DebugFrames(run_id).frame_for(event) or b""
    if style == FrameStyle.RESULT:
        return sse.frame("error", {"run_id": run_id, "error": error})
    return sse.frame(str(event.type), event.to_dict())


class ChannelSink:
    """The engine's EventSink for one run (thread-safe: parallel nodes emit from the pool). The
    top-level events of pure nodes (and `run_started`) are held back and published together with
    the next other event, a flush (the engine's, after the store's) or the end: a start → end
    stream is one channel write, and a reader that saw a node's frame finds its row."""

    def __init__(self, channel: StreamChannel, run_id: str, style: FrameStyle):
        self.channel, self.run_id, self.style = channel, run_id, style
        self._debug = DebugFrames(run_id) if style == FrameStyle.DEBUG else None
        self._lock = threading.Lock()
        self._held: list[bytes] = []
        self._end: bytes | None = None

    def emit(self, event: WorkflowEvent) -> None:
        if self.style == FrameStyle.RESULT:
            return
        with self._lock:  # one frame order for every reader: the order the engine emitted
            frame = (self._debug.frame_for(event) if self._debug is not None
                     else sse.frame(str(event.type), event.to_dict()))
            if event.type in RUN_END and event.parent_node_id is None:
                self._end = frame or b""  # published by close(), after the run's bookkeeping
                return
            if frame is not None:
                self._held.append(frame)
            if not _may_hold(event):
                self._publish()

    def flush(self) -> None:
        with self._lock:
            self._publish()

    def close(self, result: RunResult | None, failure: str | None = None) -> None:
        """The terminal frame: the run's end (or `failure` when the run could not finish here)."""
        if failure is not None:
            frame = failure_frame(self.style, self.run_id, failure)
        elif self.style == FrameStyle.RESULT:
            frame = sse.frame(RESULT_EVENT, dump_result(result)) if result is not None else b""
        else:
            frame = self._end or b""
        with self._lock:
            self._held.append(frame)
            self._publish(terminal=True)

    def _publish(self, terminal: bool = False) -> None:
        """(under the lock) The held frames, in one channel write."""
        if not self._held:
            return
        frames, self._held = self._held, []
        try:
            self.channel.publish_many(self.run_id, frames, terminal=terminal)
        except Exception:  # readers miss these frames; the run and its rows go on
            log.warning("could not publish frames of workflow run %s", self.run_id, exc_info=True)


def _may_hold(event: WorkflowEvent) -> bool:
    return event.parent_node_id is None and (event.type == EventType.RUN_STARTED
                                             or event.node_type in PURE_TYPES)

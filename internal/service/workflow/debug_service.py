"""The debug pane: run the draft graph in process through the engine and stream each finished
node as an SSE frame (debug_frames.py).

Everything a run needs is checked before the stream starts — the graph strictly, every id in it
against the caller's account, the inputs against the start node — so a bad request is a
`validate_error` envelope and no run is recorded. The run itself goes on a thread of its own
with its own application context: the HTTP response only reads its events from a queue, so a
client that disconnects does not stop the run, and the run's result (rows in workflow_result /
workflow_node_run, `is_debug_passed`) is written whatever happens to the connection."""
from __future__ import annotations

import logging
import queue
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from injector import inject

from internal.core.workflow.engine import CompiledWorkflow, WorkflowEngine
from internal.core.workflow.entities.runs import EventType, RunStatus, WorkflowEvent
from internal.core.workflow.ports import CallerInfo
from internal.core.workflow.validation import GraphValidationError
from internal.entity.workflow_entity import InvokeFrom
from internal.model.workflow import Workflow
from pkg import sse
from pkg.sqlalchemy import SQLAlchemy

from .app_scope import AppScope
from .debug_frames import DebugFrames
from .engine_factory import WorkflowEngineFactory
from .graph_checks import GraphChecks, validate_error
from .run_store import DatabaseRunStore
from .workflow_service import WorkflowService, without_positions

log = logging.getLogger(__name__)
KEEPALIVE_SECONDS = 10.0
_END = object()


class QueueSink:
    """The engine's EventSink for one run (thread-safe: queue.Queue)."""

    def __init__(self, events: queue.Queue):
        self.events = events

    def emit(self, event: WorkflowEvent) -> None:
        self.events.put(event)


@inject
@dataclass
class WorkflowDebugService:
    db: SQLAlchemy
    workflows: WorkflowService
    checks: GraphChecks
    engines: WorkflowEngineFactory

    def debug(self, account_id: uuid.UUID, workflow_id, inputs: dict[str, Any]) -> Iterator[bytes]:
        workflow = self.workflows.get_workflow(account_id, workflow_id)
        compiled = self.checks.compile_graph(account_id, workflow.draft_graph, workflow.id)
        try:
            values = compiled.validate_inputs(inputs)
        except GraphValidationError as err:
            raise validate_error(err) from None
        run_id = str(uuid.uuid4())
        scope = AppScope.current()
        store = DatabaseRunStore(self.db, scope, account_id, workflow.id, InvokeFrom.DEBUGGER.value)
        events: queue.Queue = queue.Queue()
        run = threading.Thread(target=self._run, name=f"wf-debug-{run_id[:8]}", daemon=True,
                               args=(scope, self.engines.build(scope, store), compiled, values,
                                     CallerInfo(str(account_id), str(workflow.id)), run_id,
                                     without_positions(workflow.draft_graph), events))
        run.start()
        return self._stream(run_id, events)

    def _run(self, scope: AppScope, engine: WorkflowEngine, compiled: CompiledWorkflow, values: dict[str, Any],
             caller: CallerInfo, run_id: str, draft: dict[str, Any], events: queue.Queue) -> None:
        with scope.app.app_context():
            try:
                result = engine.run(compiled, values, caller=caller, run_id=run_id, sink=QueueSink(events))
                self._record_debug_result(uuid.UUID(caller.workflow_id), draft, result.succeeded)
            except Exception:  # the store failed: the run cannot be trusted, say so in the stream
                ref = uuid.uuid4().hex[:8]
                log.exception("workflow debug run %s failed (ref %s)", run_id, ref)
                events.put(WorkflowEvent(EventType.RUN_FAILED, run_id, status=RunStatus.FAILED,
                                         error=f"the run could not be completed (ref {ref})"))
            finally:
                engine.shutdown()
                events.put(_END)

    def _record_debug_result(self, workflow_id: uuid.UUID, draft: dict[str, Any], succeeded: bool) -> None:
        """A passed run marks the draft debugged, unless the draft changed while it ran."""
        with self.db.auto_commit():
            workflow = self.db.session.get(Workflow, workflow_id)
            if workflow is not None and without_positions(workflow.draft_graph or {}) == draft:
                workflow.is_debug_passed = succeeded

    @staticmethod
    def _stream(run_id: str, events: queue.Queue) -> Iterator[bytes]:
        frames = DebugFrames(run_id)
        while True:
            try:
                event = events.get(timeout=KEEPALIVE_SECONDS)
            except queue.Empty:
                yield sse.PING_COMMENT
                continue
            if event is _END:
                return
            frame = frames.frame_for(event)
            if frame is not None:
                yield frame

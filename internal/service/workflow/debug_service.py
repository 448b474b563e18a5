"""The debug pane: run the draft graph in process through the engine and stream each finished
node as an SSE frame (debug_frames.py).

Everything a run needs is checked before the stream starts — the graph strictly, every id in it
against the caller's account, the inputs against the start node — so a bad request records no
run (the handler answers it as one SSE refusal frame, debug_frames.refusal_frame). The run itself goes on a thread of its own
(background_run.py): a client that disconnects does not stop it, and its result (rows in
workflow_result / workflow_node_run, `is_debug_passed`) is written whatever happens to the
connection."""
from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from injector import inject

from internal.core.workflow.entities.runs import RunResult
from internal.core.workflow.ports import CallerInfo
from internal.core.workflow.validation import GraphValidationError
from internal.entity.workflow_entity import InvokeFrom
from internal.model.workflow import Workflow
from pkg import sse
from pkg.sqlalchemy import SQLAlchemy

from .app_scope import AppScope
from .background_run import start_run
from .debug_frames import DebugFrames
from .engine_factory import WorkflowEngineFactory
from .graph_checks import GraphChecks, validate_error
from .run_channel import WorkflowRunChannel
from .run_slots import RunSlots
from .run_store import DatabaseRunStore
from .workflow_service import WorkflowService, without_positions

KEEPALIVE_SECONDS = 10.0


@inject
@dataclass
class WorkflowDebugService:
    db: SQLAlchemy
    workflows: WorkflowService
    checks: GraphChecks
    engines: WorkflowEngineFactory
    runs: WorkflowRunChannel
    slots: RunSlots

    def debug(self, account_id: uuid.UUID, workflow_id, inputs: dict[str, Any]) -> Iterator[bytes]:
        workflow = self.workflows.get_workflow(account_id, workflow_id)
        compiled = self.checks.compile_graph(account_id, workflow.draft_graph, workflow.id)
        try:
            values = compiled.validate_inputs(inputs)
        except GraphValidationError as err:
            raise validate_error(err) from None
        slot = self.slots.acquire(account_id)  # released when the run's thread ends
        try:
            run_id = str(uuid.uuid4())
            scope = AppScope.current()
            store = DatabaseRunStore(self.db, scope, account_id, workflow.id, InvokeFrom.DEBUGGER.value)
            draft, workflow_key = without_positions(workflow.draft_graph), workflow.id  # not the row: its session ends
            lease = self.runs.hold(run_id, account_id, workflow_key, InvokeFrom.DEBUGGER.value)
        except Exception:
            slot.release()
            raise

        def on_finished(result: RunResult) -> None:
            self._record_debug_result(workflow_key, draft, result.succeeded)

        events = start_run(scope, self.engines.build(scope, store), compiled, values,
                           CallerInfo(str(account_id), str(workflow_key)), run_id, lease, on_finished,
                           KEEPALIVE_SECONDS, self.runs.stop_token(run_id), slot)
        return self._frames(run_id, events)

    def _record_debug_result(self, workflow_id: uuid.UUID, draft: dict[str, Any], succeeded: bool) -> None:
        """A passed run marks the draft debugged, unless the draft changed while it ran."""
        with self.db.auto_commit():
            workflow = self.db.session.get(Workflow, workflow_id)
            if workflow is not None and without_positions(workflow.draft_graph or {}) == draft:
                workflow.is_debug_passed = succeeded

    @staticmethod
    def _frames(run_id: str, events: Iterator) -> Iterator[bytes]:
        frames = DebugFrames(run_id)
        for event in events:
            frame = sse.PING_COMMENT if event is None else frames.frame_for(event)
            if frame is not None:
                yield frame

"""The debug pane: run the draft graph and stream each finished node as an SSE frame
(debug_frames.py), wherever the run executes (run_launcher.py: a Celery worker in production, a
thread of this process in the embedded default) — the frames come through the run channel.

Everything a run needs is checked before the stream starts — the graph strictly, every id in it
against the caller's account, the inputs against the start node — so a bad request records no
run (the handler answers it as one SSE refusal frame, debug_frames.refusal_frame). Then the run's
row is written and the run launched; the response reads the run's channel, so a client that
disconnects stops reading, never the run, and its result (rows in workflow_result /
workflow_node_run, `is_debug_passed`) is written whatever happens to the connection. Another
process may re-attach to the run's frames (`events`, after the frames it has seen) or stop it."""
from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from injector import inject

from internal.core.workflow.validation import GraphValidationError
from internal.entity.workflow_entity import InvokeFrom
from pkg.sqlalchemy import SQLAlchemy

from .app_scope import AppScope
from .graph_checks import GraphChecks, validate_error
from .run_access import owned_run, stop_run
from .run_channel import WorkflowRunChannel
from .run_frames import FrameStyle
from .run_reader import WorkflowRunReader
from .run_starter import WorkflowRunStarter
from .workflow_service import WorkflowService, without_positions


@inject
@dataclass
class WorkflowDebugService:
    db: SQLAlchemy
    workflows: WorkflowService
    checks: GraphChecks
    runs: WorkflowRunChannel
    starter: WorkflowRunStarter
    reader: WorkflowRunReader

    def debug(self, account_id: uuid.UUID, workflow_id, inputs: dict[str, Any]) -> Iterator[bytes]:
        workflow = self.workflows.get_workflow(account_id, workflow_id)
        compiled = self.checks.compile_graph(account_id, workflow.draft_graph, workflow.id)
        try:
            values = compiled.validate_inputs(inputs)
        except GraphValidationError as err:
            raise validate_error(err) from None
        slot = self.starter.reserve(account_id)  # released when the run ends
        scope, run_id = AppScope.current(), str(uuid.uuid4())
        self.starter.start(scope, slot, account_id, workflow.id, InvokeFrom.DEBUGGER.value, compiled, values,
                           run_id=run_id, draft=without_positions(workflow.draft_graph))
        return self.reader.frames(scope, run_id, FrameStyle.DEBUG)

    def events(self, account_id: uuid.UUID, workflow_id, run_id, after: int = 0) -> Iterator[bytes]:
        """Re-attach to a debug run (from any process): its frames after the first `after`."""
        run = owned_run(self.db, account_id, workflow_id, run_id, InvokeFrom.DEBUGGER.value)
        return self.reader.frames(AppScope.current(), str(run.id), FrameStyle.DEBUG, after)

    def stop(self, account_id: uuid.UUID, workflow_id, run_id) -> None:
        stop_run(self.db, self.runs, account_id, workflow_id, run_id)

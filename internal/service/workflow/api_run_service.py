"""`POST /openapi/workflows/<id>/run`: a published workflow run with an API key, blocking (the
run's result as JSON) or streamed (the engine's events as SSE). Runs the published graph, never
the draft; each run is a `workflow_result` row (invoke_from service_api) with its node runs.

Stream frames: first `event: ping` with `{run_id}` (sent at once, before the run's first row),
then `event: <engine event type>` (`run_started`, `node_started`, `node_chunk`,
`node_retrying`, `node_succeeded`, `node_failed`, then exactly one of `run_succeeded`,
`run_failed`, `run_stopped`) with the event's fields as data (`run_id`, `node_id`, `node_type`,
`title`, `status`, `inputs`, `outputs`, `error`, `latency`, `text` for chunks …);
`: ping` comments keep an idle connection open. The run executes where its launcher puts it (a
Celery worker in production, a thread here in the embedded default); the stream is read from
the run's channel, and so is a blocking call's answer on a worker (its `result` frame) — a
blocking call whose run executes in this process runs it on the request's thread. `events`
re-attaches to a run's stream from any process; `stop` asks a running run to stop from any
process (the run channel's stop flag, read before every node)."""
from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from injector import inject
from sqlalchemy import select

from internal.core.streaming import Subscription
from internal.core.workflow.entities.runs import NodeRunRecord, RunResult, RunStatus
from internal.core.workflow.validation import GraphValidationError
from internal.entity.workflow_entity import InvokeFrom, WorkflowStatus
from internal.exception import CustomException, NotFoundException
from internal.model.workflow import Workflow, WorkflowNodeRun
from internal.service.base_service import get_owned_columns
from pkg import sse
from pkg.i18n import translate_message
from pkg.sqlalchemy import SQLAlchemy

from .app_scope import AppScope
from .compiled_graphs import CompiledGraphs
from .graph_checks import validate_error
from .run_access import owned_run, stop_run
from .run_channel import WorkflowRunChannel
from .run_frames import FrameStyle, dump_result, failure_frame
from .run_reader import WorkflowRunReader
from .run_starter import WorkflowRunStarter

log = logging.getLogger(__name__)
NOT_STARTED = "the run could not be started; please try again"
__all__ = ["WorkflowApiRunService", "dump_result"]


@inject
@dataclass
class WorkflowApiRunService:
    db: SQLAlchemy
    runs: WorkflowRunChannel
    compiled: CompiledGraphs
    starter: WorkflowRunStarter
    reader: WorkflowRunReader

    def _prepare(self, account_id: uuid.UUID, workflow_id, inputs: dict[str, Any]):
        workflow = get_owned_columns(self.db, Workflow, workflow_id, account_id, Workflow.id, Workflow.status,
                                     Workflow.published_at, message="workflow not found")
        if workflow.status != WorkflowStatus.PUBLISHED.value:
            raise NotFoundException("the workflow is not published")

        def published_graph() -> dict[str, Any]:  # read (and decoded) only when this version is not compiled yet
            graph = self.db.session.scalar(select(Workflow.graph).where(Workflow.id == workflow.id))
            if not graph:
                raise NotFoundException("the workflow is not published")
            return graph

        try:
            compiled = self.compiled.get(workflow.id, workflow.published_at, published_graph)  # once per version
            values = compiled.validate_inputs(inputs)
        except GraphValidationError as err:
            raise validate_error(err) from None
        return workflow.id, compiled, values

    def _reserved(self, account_id: uuid.UUID, workflow_id, inputs: dict[str, Any]):
        slot = self.starter.reserve(account_id)  # released when the run ends
        try:
            return (slot, *self._prepare(account_id, workflow_id, inputs))
        except Exception:
            if slot is not None:
                slot.release()
            raise

    def run_blocking(self, account_id: uuid.UUID, workflow_id, inputs: dict[str, Any]) -> dict[str, Any]:
        slot, wf_id, compiled, values = self._reserved(account_id, workflow_id, inputs)
        scope, run_id = AppScope.current(), str(uuid.uuid4())
        run = self.starter.prepare(scope, slot, account_id, wf_id, InvokeFrom.SERVICE_API.value, compiled, values,
                                   run_id=run_id, blocking=True)
        if self.starter.runs_here:  # no hand-off: the result comes back on this thread
            return dump_result(self.starter.run_here(run))
        self.starter.launch(run, scope)
        answer = self.reader.wait(scope, run_id)
        return answer if answer is not None else self.get_run(account_id, wf_id, run_id)

    def run_streaming(self, account_id: uuid.UUID, workflow_id, inputs: dict[str, Any]) -> Iterator[bytes]:
        slot, wf_id, compiled, values = self._reserved(account_id, workflow_id, inputs)
        scope, run_id = AppScope.current(), str(uuid.uuid4())

        def body() -> Iterator[bytes]:
            yield sse.frame("ping", {"run_id": run_id})  # at once: the run id (to stop it) before anything is written
            try:
                sub = self._launch_read(scope, slot, account_id, wf_id, compiled, values, run_id)
            except CustomException as exc:
                yield failure_frame(FrameStyle.EVENTS, run_id, translate_message(exc.message))
                return
            except Exception:
                log.exception("workflow run %s could not start", run_id)
                yield failure_frame(FrameStyle.EVENTS, run_id, NOT_STARTED)
                return
            try:
                yield from self.reader.frames(scope, run_id, FrameStyle.EVENTS, subscription=sub)
            finally:
                sub.close()

        return body()

    def _launch_read(self, scope: AppScope, slot, account_id: uuid.UUID, workflow_id: uuid.UUID, compiled,
                     values: dict[str, Any], run_id: str) -> Subscription:
        """Prepare the run, subscribe to it, launch it (a run executed here hands its frames to
        that subscription directly, without a read)."""
        run = self.starter.prepare(scope, slot, account_id, workflow_id, InvokeFrom.SERVICE_API.value, compiled,
                                   values, run_id=run_id)
        try:
            sub = self.reader.subscribe(run_id)
        except Exception:
            self.starter.abandon(run)
            raise
        try:
            self.starter.launch(run, scope)
        except Exception:
            sub.close()
            raise
        return sub

    def events(self, account_id: uuid.UUID, workflow_id, run_id, after: int = 0) -> Iterator[bytes]:
        """Re-attach to an API run's stream (from any process): its events after the first `after`
        (the first `ping` is not one of them)."""
        run = owned_run(self.db, account_id, workflow_id, run_id, InvokeFrom.SERVICE_API.value)
        return self.reader.frames(AppScope.current(), str(run.id), FrameStyle.EVENTS, after)

    def stop(self, account_id: uuid.UUID, workflow_id, run_id) -> None:
        """Ask a run of this workflow to stop, from any process: it ends `stopped` before its next node."""
        stop_run(self.db, self.runs, account_id, workflow_id, run_id)

    def get_run(self, account_id: uuid.UUID, workflow_id, run_id) -> dict[str, Any]:
        """A run of this workflow as the blocking answer shows it (running ones: the nodes so far),
        e.g. for a client whose stream broke or whose run was resumed after a crash."""
        run = owned_run(self.db, account_id, workflow_id, run_id)
        rows = self.db.session.scalars(select(WorkflowNodeRun).where(WorkflowNodeRun.result_id == run.id)
                                       .order_by(WorkflowNodeRun.position)).all()
        records = [NodeRunRecord.from_dict(r.record) for r in rows]
        return dump_result(RunResult(str(run.id), RunStatus(run.status), run.outputs, run.error or None,
                                     run.error_node_id or None, run.latency, run.total_tokens, run.total_price,
                                     records))

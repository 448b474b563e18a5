"""`POST /openapi/workflows/<id>/run`: a published workflow run with an API key, blocking (the
run's result as JSON) or streamed (the engine's events as SSE). Runs the published graph, never
the draft; each run is a `workflow_result` row (invoke_from service_api) with its node runs.

Stream frames: first `event: ping` with `{run_id}` (sent at once, before the run's first row),
then `event: <engine event type>` (`run_started`, `node_started`, `node_chunk`,
`node_retrying`, `node_succeeded`, `node_failed`, then exactly one of `run_succeeded`,
`run_failed`, `run_stopped`) with the event's fields as data (`run_id`, `node_id`, `node_type`,
`title`, `status`, `inputs`, `outputs`, `error`, `latency`, `text` for chunks …);
`: ping` comments keep an idle connection open. `stop` asks a running run to stop from any
process (the run channel's stop flag, read before every node)."""
from __future__ import annotations

import itertools
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from injector import inject
from sqlalchemy import select

from internal.core.workflow.entities.runs import NodeRunRecord, NodeStatus, RunResult, RunStatus
from internal.core.workflow.ports import CallerInfo
from internal.core.workflow.validation import GraphValidationError
from internal.entity.workflow_entity import InvokeFrom, WorkflowStatus
from internal.exception import FailException, NotFoundException
from internal.model.workflow import Workflow, WorkflowNodeRun, WorkflowResult
from internal.service.base_service import get_owned
from pkg import sse
from pkg.sqlalchemy import SQLAlchemy

from .app_scope import AppScope
from .background_run import start_run
from .compiled_graphs import CompiledGraphs
from .engine_factory import WorkflowEngineFactory
from .graph_checks import validate_error
from .run_channel import WorkflowRunChannel
from .run_slots import RunSlots
from .run_store import DatabaseRunStore

KEEPALIVE_SECONDS = 10.0


def dump_result(result: RunResult) -> dict[str, Any]:
    nodes = [{"node_id": r.node_id, "node_type": r.node_type, "title": r.title, "status": str(r.status),
              "inputs": r.inputs, "outputs": r.outputs, "error": r.error or "", "latency": r.latency,
              "total_tokens": r.total_tokens, "total_price": r.total_price}
             for r in result.node_records if r.status != NodeStatus.SKIPPED]
    return {"run_id": result.run_id, "status": str(result.status), "outputs": result.outputs,
            "error": result.error or "", "error_node_id": result.error_node_id or "", "latency": result.latency,
            "total_tokens": result.total_tokens, "total_price": result.total_price, "node_results": nodes}


@inject
@dataclass
class WorkflowApiRunService:
    db: SQLAlchemy
    engines: WorkflowEngineFactory
    runs: WorkflowRunChannel
    compiled: CompiledGraphs
    slots: RunSlots

    def _prepare(self, account_id: uuid.UUID, workflow_id, inputs: dict[str, Any]):
        workflow = get_owned(self.db, Workflow, workflow_id, account_id, "workflow not found")
        if workflow.status != WorkflowStatus.PUBLISHED.value or not workflow.graph:
            raise NotFoundException("the workflow is not published")
        try:
            compiled = self.compiled.get(workflow.id, workflow.published_at, workflow.graph)  # once per version
            values = compiled.validate_inputs(inputs)
        except GraphValidationError as err:
            raise validate_error(err) from None
        scope = AppScope.current()
        store = DatabaseRunStore(self.db, scope, account_id, workflow.id, InvokeFrom.SERVICE_API.value)
        caller = CallerInfo(str(account_id), str(workflow.id))
        run_id = str(uuid.uuid4())
        lease = self.runs.hold(run_id, account_id, workflow.id, InvokeFrom.SERVICE_API.value)  # before its first row
        return scope, self.engines.build(scope, store), compiled, values, caller, run_id, lease

    def run_blocking(self, account_id: uuid.UUID, workflow_id, inputs: dict[str, Any]) -> dict[str, Any]:
        slot = self.slots.acquire(account_id)
        try:
            scope, engine, compiled, values, caller, run_id, lease = self._prepare(account_id, workflow_id, inputs)
            try:
                result = engine.run(compiled, values, caller=caller, run_id=run_id,
                                    cancel=self.runs.stop_token(run_id))
            except Exception:
                lease.abandon()  # the store failed: the recovery sweep resumes the run from its rows
                raise
            finally:
                engine.shutdown()
        finally:
            slot.release()
        lease.release()
        return dump_result(result)

    def run_streaming(self, account_id: uuid.UUID, workflow_id, inputs: dict[str, Any]) -> Iterator[bytes]:
        slot = self.slots.acquire(account_id)  # released when the run's thread ends
        try:
            scope, engine, compiled, values, caller, run_id, lease = self._prepare(account_id, workflow_id, inputs)
        except Exception:
            slot.release()
            raise
        events = start_run(scope, engine, compiled, values, caller, run_id, lease, keepalive_s=KEEPALIVE_SECONDS,
                           cancel=self.runs.stop_token(run_id), slot=slot)
        first = sse.frame("ping", {"run_id": run_id})  # at once: the run id (to stop it) before the run's first row
        return itertools.chain([first], (sse.PING_COMMENT if e is None else sse.frame(str(e.type), e.to_dict())
                                         for e in events))

    def stop(self, account_id: uuid.UUID, workflow_id, run_id) -> None:
        """Ask a run of this workflow to stop, from any process: it ends `stopped` before its next node."""
        workflow = get_owned(self.db, Workflow, workflow_id, account_id, "workflow not found")
        run = get_owned(self.db, WorkflowResult, run_id, account_id, "run not found")
        if run.workflow_id != workflow.id:
            raise NotFoundException("run not found")
        if run.status != RunStatus.RUNNING.value:
            raise FailException("the run has already ended")
        self.runs.request_stop(str(run.id))

    def get_run(self, account_id: uuid.UUID, workflow_id, run_id) -> dict[str, Any]:
        """A run of this workflow as the blocking answer shows it (running ones: the nodes so far),
        e.g. for a client whose stream broke or whose run was resumed after a crash."""
        workflow = get_owned(self.db, Workflow, workflow_id, account_id, "workflow not found")
        run = get_owned(self.db, WorkflowResult, run_id, account_id, "run not found")
        if run.workflow_id != workflow.id:
            raise NotFoundException("run not found")
        rows = self.db.session.scalars(select(WorkflowNodeRun).where(WorkflowNodeRun.result_id == run.id)
                                       .order_by(WorkflowNodeRun.position)).all()
        records = [NodeRunRecord.from_dict(r.record) for r in rows]
        return dump_result(RunResult(str(run.id), RunStatus(run.status), run.outputs, run.error or None,
                                     run.error_node_id or None, run.latency, run.total_tokens, run.total_price,
                                     records))

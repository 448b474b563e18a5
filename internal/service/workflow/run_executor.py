"""Executing one workflow run where it was launched (run_launcher.py): a thread of the serving
process, or a Celery worker (`workflow.execute_run` / `workflow.resume_run`). Either way the
run's events go to its run channel as frames (run_frames.py), its rows to the database, and its
stop flag is the channel's — so readers, stops and re-attaches work from any process.

A run launched in process comes with everything the request checked (`PreparedRun`: the compiled
graph, the saved header, the lease taken before its first row). A run executed from its row (a
worker: a fresh run enqueued by the serving process, or one resumed after a crash) is carried on
from its rows (`engine.resume`: finished nodes are applied, never run again) under a lease the
worker takes; a run whose lease another process holds is left alone (it is running there)."""
from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from typing import Any

from injector import inject
from sqlalchemy import bindparam, select

from internal.core.streaming import Lease
from internal.core.workflow.engine import CompiledWorkflow, RunNotFoundError, WorkflowEngine
from internal.core.workflow.entities.runs import RunHeader, RunResult, RunStatus
from internal.entity.workflow_entity import InvokeFrom
from internal.exception import ServiceUnavailableException
from internal.model.workflow import Workflow, WorkflowResult
from pkg.sqlalchemy import SQLAlchemy

from .app_scope import AppScope
from .compiled_graphs import CompiledGraphs
from .engine_factory import WorkflowEngineFactory
from .run_channel import WorkflowRunChannel
from .run_frames import ChannelSink, FrameStyle
from .run_slots import RunSlot
from .run_store import DatabaseRunStore
from .workflow_service import without_positions

log = logging.getLogger(__name__)
_RUNS = WorkflowResult.__table__
_ROW = select(_RUNS.c.account_id, _RUNS.c.workflow_id, _RUNS.c.invoke_from, _RUNS.c.status, _RUNS.c.graph).where(
    _RUNS.c.id == bindparam("run_id"))
STORE_FAILED = "the run could not be completed here (ref {ref}); it is resumed from its last saved node"
NOT_SAVED = "the run could not be saved (ref {ref}); please run it again"


@dataclass
class PreparedRun:
    """A run whose row exists (status running, the inputs stored with it)."""
    run_id: str
    account_id: uuid.UUID
    workflow_id: uuid.UUID
    invoke_from: str
    blocking: bool = False
    # in process only: what the request already has (a worker reads the row instead)
    compiled: CompiledWorkflow | None = None
    header: RunHeader | None = None
    draft: dict[str, Any] | None = None       # debug runs: the draft as run (is_debug_passed)
    lease: Lease | None = None
    store: DatabaseRunStore | None = field(default=None, repr=False)  # holding the header back
    slot: RunSlot | None = field(default=None, repr=False)

    @property
    def style(self) -> FrameStyle:
        return FrameStyle.of(self.invoke_from, self.blocking)


@inject
@dataclass
class WorkflowRunExecutor:
    db: SQLAlchemy
    engines: WorkflowEngineFactory
    runs: WorkflowRunChannel
    compiled: CompiledGraphs

    def execute(self, run: PreparedRun) -> RunResult | None:
        """A run prepared by the request in this process (its lease held, its header in
        `run.store`), on a thread of its own: its frames go to the run channel."""
        sink = ChannelSink(self.runs.channel, run.run_id, run.style)
        return self._execute(run, run.lease, self._fresh(run), sink)[0]

    def execute_here(self, run: PreparedRun) -> RunResult:
        """A blocking call's run, on the caller's own thread: the caller gets the result itself,
        so no frame is published (nobody else knows the run's id yet); stop, the lease and every
        row work as on a thread. ServiceUnavailableException when it could not finish here."""
        result, failure = self._execute(run, run.lease, self._fresh(run), None)
        if result is None:
            raise ServiceUnavailableException(failure or "the run could not be completed")
        return result

    @staticmethod
    def _fresh(run: PreparedRun):
        assert run.compiled is not None and run.header is not None and run.lease is not None
        compiled, header = run.compiled, run.header
        return lambda engine, sink, cancel: engine.run_saved(compiled, header, sink=sink, cancel=cancel)

    def execute_stored(self, run_id: str, blocking: bool = False) -> RunResult | None:
        """A run from its row (a worker): fresh, redelivered or resumed after a crash. None when
        there is nothing to do here (no such run, it has ended, another process is running it)."""
        with self.db.engine.connect() as conn:  # plain values, no session kept open while the run goes
            row = conn.execute(_ROW, {"run_id": uuid.UUID(run_id)}).first()
        if row is None or row.status != RunStatus.RUNNING.value:
            return None
        if self.runs.channel.is_running(run_id):
            log.info("workflow run %s is running elsewhere (its lease is held)", run_id)
            return None
        run = PreparedRun(run_id, row.account_id, row.workflow_id, row.invoke_from, blocking)
        if row.invoke_from == InvokeFrom.DEBUGGER.value:
            run.draft = without_positions(row.graph or {})
        graph = row.graph
        lease = self.runs.hold(run_id)
        try:
            compiled = self.compiled.for_graph(run.workflow_id, graph)
        except Exception:
            lease.release()
            raise
        sink = ChannelSink(self.runs.channel, run_id, run.style)
        return self._execute(run, lease, lambda engine, sink, cancel: engine.resume(
            run_id, sink=sink, cancel=cancel, workflow=compiled), sink)[0]

    def _execute(self, run: PreparedRun, lease: Lease | None, start,
                 sink: ChannelSink | None) -> tuple[RunResult | None, str | None]:
        """(result, None), or (None, why) when the run could not finish here."""
        assert lease is not None
        scope = AppScope.current()
        store = run.store or DatabaseRunStore(self.db, scope, run.account_id, run.workflow_id, run.invoke_from)
        engine: WorkflowEngine = self.engines.build(scope, store)
        result, failure = None, None
        try:
            result = start(engine, sink, self.runs.stop_token(run.run_id, unseen=sink is None))
        except RunNotFoundError:
            lease.release()
            failure = "the run was not found"
        except Exception:  # the store failed: the run cannot be trusted here; the sweep resumes it
            lease.abandon()
            ref = uuid.uuid4().hex[:8]
            log.exception("workflow run %s failed (ref %s)", run.run_id, ref)
            failure = (STORE_FAILED if store.has_row else NOT_SAVED).format(ref=ref)  # no row: nothing to resume
        finally:
            engine.shutdown()
        try:
            if result is not None:
                lease.release()
                if run.draft is not None:
                    self._record_debug_result(run.workflow_id, run.draft, result.succeeded)
        except Exception:  # bookkeeping after the run; the run itself is recorded
            log.exception("after workflow run %s", run.run_id)
        finally:
            if run.slot is not None:
                run.slot.release()
            if sink is not None:
                sink.close(result, failure)  # last: a reader that saw the end sees its effects
        return result, failure

    def _record_debug_result(self, workflow_id: uuid.UUID, draft: dict[str, Any], succeeded: bool) -> None:
        """A passed run marks the draft debugged, unless the draft changed (beyond positions) while it ran."""
        with self.db.auto_commit():
            workflow = self.db.session.get(Workflow, workflow_id)
            if workflow is not None and without_positions(workflow.draft_graph or {}) == draft:
                workflow.is_debug_passed = succeeded

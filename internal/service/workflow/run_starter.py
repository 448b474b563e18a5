"""Starting a debug or API run: its header (status running, the graph as run, the inputs, the
system variables), then the run handed to its launcher (a worker, or a thread here). What a
worker needs is the run id; everything else is in the row, written before the enqueue. A run
this process executes holds its lease first and its row is written with its first write
(run_store.py): no database round trip before the run starts."""
from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass
from typing import Any

from injector import inject

from internal.core.workflow.engine import CompiledWorkflow, new_run_header
from internal.core.workflow.entities.runs import RunResult, RunStatus
from internal.core.workflow.ports import CallerInfo
from internal.exception import ServiceUnavailableException
from pkg.sqlalchemy import SQLAlchemy

from .app_scope import AppScope
from .run_channel import WorkflowRunChannel
from .run_executor import PreparedRun
from .run_launcher import RunLauncher
from .run_slots import RunSlot
from .run_store import DatabaseRunStore

log = logging.getLogger(__name__)
NOT_LAUNCHED = "the run could not be started (its worker queue is unavailable); please try again"


@inject
@dataclass
class WorkflowRunStarter:
    db: SQLAlchemy
    runs: WorkflowRunChannel
    launcher: RunLauncher

    def reserve(self, account_id: object) -> RunSlot | None:
        return self.launcher.reserve(account_id)

    @property
    def runs_here(self) -> bool:
        return self.launcher.runs_here

    def prepare(self, scope: AppScope, slot: RunSlot | None, account_id: uuid.UUID, workflow_id: uuid.UUID,
                invoke_from: str, compiled: CompiledWorkflow, values: dict[str, Any], *, run_id: str,
                blocking: bool = False, draft: dict[str, Any] | None = None) -> PreparedRun:
        """The run's header and, when this process runs it, its lease (subscribe readers after
        this, launch after them). `slot` is the run's (released when it ends, or here when it
        cannot start)."""
        try:
            store = DatabaseRunStore(self.db, scope, account_id, workflow_id, invoke_from)
            header = new_run_header(compiled, values, CallerInfo(str(account_id), str(workflow_id)), run_id,
                                    time.time())
            store.create_run(header)  # held back: in process the run's first write carries it
            lease = None
            if self.launcher.runs_here:  # its lease from before the first row (a crash here is swept)
                lease = self.runs.hold(run_id, new_here=True)
            else:
                store.flush()  # a worker reads the run from its row
            return PreparedRun(run_id, account_id, workflow_id, invoke_from, blocking, compiled, header, draft,
                               lease, store if lease is not None else None, slot)
        except Exception:
            if slot is not None:
                slot.release()
            raise

    def launch(self, run: PreparedRun, scope: AppScope) -> None:
        try:
            self.launcher.launch(run, scope)
        except Exception:
            log.exception("workflow run %s could not be launched", run.run_id)
            try:
                store = run.store or DatabaseRunStore(self.db, scope, run.account_id, run.workflow_id,
                                                      run.invoke_from)
                store.finish_run(RunResult(run.run_id, RunStatus.FAILED, {}, NOT_LAUNCHED, None, 0.0, 0, 0.0, []))
            finally:
                self.abandon(run)
            raise ServiceUnavailableException(NOT_LAUNCHED) from None

    def start(self, scope: AppScope, slot: RunSlot | None, account_id: uuid.UUID, workflow_id: uuid.UUID,
              invoke_from: str, compiled: CompiledWorkflow, values: dict[str, Any], *, run_id: str,
              blocking: bool = False, draft: dict[str, Any] | None = None) -> PreparedRun:
        """`prepare` and `launch` (no reader to subscribe in between)."""
        run = self.prepare(scope, slot, account_id, workflow_id, invoke_from, compiled, values, run_id=run_id,
                           blocking=blocking, draft=draft)
        self.launch(run, scope)
        return run

    def run_here(self, run: PreparedRun) -> RunResult:
        """A blocking call's prepared run, on this thread (`runs_here` only)."""
        return self.launcher.execute_here(run)

    @staticmethod
    def abandon(run: PreparedRun) -> None:
        """A prepared run that will not be launched: its lease and slot go."""
        if run.lease is not None:
            run.lease.release()
        if run.slot is not None:
            run.slot.release()

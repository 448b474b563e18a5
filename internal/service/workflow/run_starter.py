"""Starting a debug or API run: the run's row first (status running, the graph as run, the
inputs, the system variables), then the run handed to its launcher (a worker, or a thread
here). What a worker needs is the run id; everything else is in the row."""
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

    def start(self, scope: AppScope, slot: RunSlot | None, account_id: uuid.UUID, workflow_id: uuid.UUID,
              invoke_from: str, compiled: CompiledWorkflow, values: dict[str, Any], *, run_id: str,
              blocking: bool = False, draft: dict[str, Any] | None = None) -> PreparedRun:
        """Writes the row and launches the run; `slot` is the run's (released when it ends, or
        here when it cannot start)."""
        lease = None
        try:
            store = DatabaseRunStore(self.db, scope, account_id, workflow_id, invoke_from)
            header = new_run_header(compiled, values, CallerInfo(str(account_id), str(workflow_id)), run_id,
                                    time.time())
            if self.launcher.runs_here:  # this process runs it: its lease from before the first row
                lease = self.runs.hold(run_id, account_id, workflow_id, invoke_from)
            store.create_run(header)
            run = PreparedRun(run_id, account_id, workflow_id, invoke_from, blocking, compiled, header, draft,
                              lease, slot)
            try:
                self.launcher.launch(run, scope)
            except Exception:
                log.exception("workflow run %s could not be launched", run_id)
                store.finish_run(RunResult(run_id, RunStatus.FAILED, {}, NOT_LAUNCHED, None, 0.0, 0, 0.0, []))
                raise ServiceUnavailableException(NOT_LAUNCHED) from None
        except Exception:
            if lease is not None:
                lease.release()
            if slot is not None:
                slot.release()
            raise
        return run

"""Resuming runs whose process died (issue 12 §4, durability).

A run holds a lease in the workflow run channel while it runs (run_executor.py, in process or on
a worker) and releases it when it ends; a process killed mid-run stops renewing it. The sweep
(`workflow.sweep_runs`, Celery beat) claims each expired lease exactly once and enqueues
`workflow.resume_run`, which carries the run on from its rows (`engine.resume`: finished nodes
are applied, never run again; the rest runs) under a lease of its own, publishing its frames to
the run's channel (readers still attached get the rest and the end) — a worker that dies while
resuming leaves that lease to expire too, and the run is resumed again. A run of the in-process
channel (the embedded default) dies with its process and leaves no lease; rows still `running`
long after any run could have ended are marked failed instead, so none stays `running`."""
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from injector import inject
from sqlalchemy import update

from internal.core.workflow.engine import RunLimits
from internal.core.workflow.entities.runs import RunResult, RunStatus
from internal.model.workflow import WorkflowResult
from pkg.sqlalchemy import SQLAlchemy

from .run_channel import WorkflowRunChannel
from .run_executor import WorkflowRunExecutor

log = logging.getLogger(__name__)
LOST_RUN_ERROR = "the run was interrupted (its server process stopped) and could not be resumed"


@inject
@dataclass
class WorkflowRecoveryService:
    db: SQLAlchemy
    runs: WorkflowRunChannel
    executor: WorkflowRunExecutor

    def claim_crashed(self) -> list[str]:
        """Run ids whose lease expired, each answered to exactly one caller."""
        return [run.task_id for run in self.runs.channel.claim_expired()]

    def sweep(self, enqueue: Callable[[str], object]) -> int:
        """Hand every crashed run to `enqueue` (a Celery task), and fail long-stale rows."""
        claimed = self.claim_crashed()
        for run_id in claimed:
            enqueue(run_id)
        return len(claimed) + self.fail_stale()

    def resume(self, run_id: str) -> RunResult | None:
        """Carry a run on from its checkpoints; None when there is nothing to resume."""
        result = self.executor.execute_stored(run_id)
        if result is not None:
            log.info("workflow run %s resumed: %s", run_id, result.status)
        return result

    def fail_stale(self) -> int:
        """Rows `running` for longer than any run may take plus a margin (runs whose process
        died without a lease that could expire: the in-process channel)."""
        limit = RunLimits().max_time_s + 4 * self.runs.channel.settings.lease_ttl_s
        cutoff = datetime.now(UTC) - timedelta(seconds=limit)
        with self.db.auto_commit():
            done = self.db.session.execute(
                update(WorkflowResult)
                .where(WorkflowResult.status == RunStatus.RUNNING.value, WorkflowResult.created_at < cutoff)
                .values(status=RunStatus.FAILED.value, error=LOST_RUN_ERROR, finished_at=datetime.now(UTC)))
        return int(done.rowcount or 0)

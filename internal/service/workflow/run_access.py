"""A run of one of the caller's workflows, by id (stop, re-attach, read): the workflow through
`get_owned`, the run through `get_owned` too, and the run must be of that workflow — another
tenant's run, or a run of another workflow, is "not found" on every route."""
from __future__ import annotations

import uuid

from internal.core.workflow.entities.runs import RunStatus
from internal.exception import FailException, NotFoundException
from internal.model.workflow import Workflow, WorkflowResult
from internal.service.base_service import get_owned
from pkg.sqlalchemy import SQLAlchemy

from .run_channel import WorkflowRunChannel


def owned_run(db: SQLAlchemy, account_id: uuid.UUID, workflow_id, run_id,
              invoke_from: str | None = None) -> WorkflowResult:
    workflow = get_owned(db, Workflow, workflow_id, account_id, "workflow not found")
    run = get_owned(db, WorkflowResult, run_id, account_id, "run not found")
    if run.workflow_id != workflow.id or (invoke_from is not None and run.invoke_from != invoke_from):
        raise NotFoundException("run not found")
    return run


def stop_run(db: SQLAlchemy, runs: WorkflowRunChannel, account_id: uuid.UUID, workflow_id, run_id) -> None:
    """Ask a running run to stop, from any process (the run channel's stop flag, which the
    process or worker running it reads before every node): it ends `stopped`."""
    run = owned_run(db, account_id, workflow_id, run_id)
    if run.status != RunStatus.RUNNING.value:
        raise FailException("the run has already ended")
    runs.request_stop(str(run.id))

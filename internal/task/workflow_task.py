"""Workflow Celery tasks: thin, take a run id, call one service method."""
from __future__ import annotations

from celery import shared_task
from flask import current_app


@shared_task(name="workflow.execute_run", acks_late=True, reject_on_worker_lost=True)
def execute_run(run_id: str, blocking: bool = False) -> str:
    """Run a debug or API run whose row the serving process wrote (the inputs are in it); its
    frames go to the run's channel (`blocking`: only the end, for a caller waiting on it)."""
    from internal.service.workflow.run_executor import WorkflowRunExecutor

    result = current_app.extensions["injector"].get(WorkflowRunExecutor).execute_stored(run_id, blocking)
    return f"{run_id}: {result.status}" if result is not None else f"{run_id}: nothing to run"


@shared_task(name="workflow.sweep_runs")
def sweep_runs() -> int:
    """Claim the runs whose process died (expired leases) and resume each as its own task."""
    from internal.service.workflow.recovery_service import WorkflowRecoveryService

    return current_app.extensions["injector"].get(WorkflowRecoveryService).sweep(resume_run.delay)


@shared_task(name="workflow.resume_run", acks_late=True, reject_on_worker_lost=True)
def resume_run(run_id: str) -> str:
    """Carry a crashed run on from its checkpoints (redelivered if this worker dies too)."""
    from internal.service.workflow.recovery_service import WorkflowRecoveryService

    result = current_app.extensions["injector"].get(WorkflowRecoveryService).resume(run_id)
    return f"{run_id}: {result.status}" if result is not None else f"{run_id}: nothing to resume"

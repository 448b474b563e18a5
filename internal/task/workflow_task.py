"""Workflow Celery tasks: thin, call one WorkflowRecoveryService method."""
from __future__ import annotations

from celery import shared_task
from flask import current_app


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
    return str(result.status) if result is not None else "nothing to resume"

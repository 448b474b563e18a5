"""Periodic workflow jobs for Celery beat: resume runs whose process died."""
from __future__ import annotations

from config import Config


def beat_schedule(conf: Config) -> dict:
    return {"workflow-sweep-runs": {"task": "workflow.sweep_runs", "schedule": float(conf.AGENT_SWEEP_INTERVAL_SECONDS)}}

"""Periodic knowledge-base jobs for Celery beat: the recovery sweep of stuck documents."""
from __future__ import annotations

from config import Config


def beat_schedule(conf: Config) -> dict:
    return {
        "knowledge-sweep-documents": {
            "task": "knowledge.sweep_documents",
            "schedule": float(conf.KB_SWEEP_INTERVAL_SECONDS),
        }
    }

"""Periodic chat jobs for Celery beat: the sweep of crashed runs (a message never stays `running`)."""
from __future__ import annotations

from config import Config


def beat_schedule(conf: Config) -> dict:
    return {"chat-sweep-runs": {"task": "chat.sweep_runs", "schedule": float(conf.AGENT_SWEEP_INTERVAL_SECONDS)}}

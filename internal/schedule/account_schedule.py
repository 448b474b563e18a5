"""Periodic account jobs for Celery beat: purge revocation rows of expired JWTs hourly."""
from __future__ import annotations

from config import Config


def beat_schedule(conf: Config) -> dict:
    return {"accounts-purge-revoked-tokens": {"task": "accounts.purge_revoked_tokens", "schedule": 3600.0}}

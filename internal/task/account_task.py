"""Account housekeeping tasks (thin: fetch one service, call one method)."""
from __future__ import annotations

from celery import shared_task
from flask import current_app


@shared_task(name="accounts.purge_revoked_tokens")
def purge_revoked_tokens() -> int:
    """Delete revocation rows of tokens that have expired anyway (logout keeps the table small)."""
    from internal.service.jwt_service import JwtService

    return current_app.extensions["injector"].get(JwtService).purge_expired()

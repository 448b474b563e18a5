"""Chat Celery tasks: thin, call one ChatTurns method."""
from __future__ import annotations

from celery import shared_task
from flask import current_app


@shared_task(name="chat.sweep_runs")
def sweep_runs() -> int:
    """End the streams and messages of runs whose process died (their lease expired)."""
    from internal.service.app.chat.chat_turns import ChatTurns

    return current_app.extensions["injector"].get(ChatTurns).sweep()

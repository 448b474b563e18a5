"""Celery bound to the Flask app: every task runs inside an app context.

Task modules are every module in internal/task (discovered, not listed by hand).
Embedded default: a filesystem broker under INSTANCE_DIR/broker; production: Redis/RabbitMQ.
"""
from __future__ import annotations

import importlib
import pkgutil

from celery import Celery, Task
from celery.signals import worker_process_shutdown
from flask import Flask

from config import Config
from pkg.buffered_writer import close_all


def task_modules() -> list[str]:
    package = importlib.import_module("internal.task")
    return [f"internal.task.{m.name}" for m in pkgutil.iter_modules(package.__path__)]


def build_celery(conf: Config) -> Celery:
    celery_app = Celery("llmops")
    settings: dict = {
        "broker_url": conf.CELERY_BROKER_URL,
        "result_backend": conf.CELERY_RESULT_BACKEND or None,
        "task_ignore_result": True,
        "task_acks_late": True,  # a worker killed mid-task leaves the message for another
        "task_reject_on_worker_lost": True,
        "worker_prefetch_multiplier": 1,
        "task_always_eager": conf.CELERY_TASK_ALWAYS_EAGER,
        "broker_connection_retry_on_startup": True,
        "timezone": "UTC",
        "imports": task_modules(),
    }
    if conf.CELERY_BROKER_URL.startswith("filesystem"):
        folder = conf.broker_dir
        for sub in ("queue", "processed", "control"):
            (folder / sub).mkdir(parents=True, exist_ok=True)
        settings["broker_transport_options"] = {
            "data_folder_in": str(folder / "queue"), "data_folder_out": str(folder / "queue"),
            "processed_folder": str(folder / "processed"), "store_processed": False,
            "control_folder": str(folder / "control")}  # kombu's default is ./control in the CWD
    settings["beat_schedule"] = beat_schedule(conf)
    celery_app.conf.update(settings)
    return celery_app


def beat_schedule(conf: Config) -> dict:
    """Merge `beat_schedule(conf)` of every module in internal/schedule (Celery beat)."""
    package = importlib.import_module("internal.schedule")
    schedule: dict = {}
    for m in pkgutil.iter_modules(package.__path__):
        fn = getattr(importlib.import_module(f"internal.schedule.{m.name}"), "beat_schedule", None)
        if callable(fn):
            schedule.update(fn(conf))
    return schedule


def init_app(app: Flask, celery_app: Celery) -> None:
    class FlaskTask(Task):
        def __call__(self, *args, **kwargs):
            with app.app_context():
                return self.run(*args, **kwargs)

    celery_app.Task = FlaskTask
    celery_app.set_default()
    app.extensions["celery"] = celery_app
    # a prefork child ends with os._exit (no atexit): write its pending usage records and hit logs first
    worker_process_shutdown.connect(_close_buffered_writers, weak=False, dispatch_uid="llmops-buffered-writers")


def _close_buffered_writers(**_kwargs) -> None:
    close_all()

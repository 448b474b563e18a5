"""An application context for calls made from the engine's threads.

The engine runs parallel nodes on its own thread pool, where no Flask application context
exists, and Flask-SQLAlchemy scopes its session by application context. Ports that reach the
database (tools, datasets, credentials, the checkpoint store) run each call through an AppScope:
inside the caller's context when there is one, else in a fresh one that is popped (and its
session removed) when the call returns."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask, current_app, has_app_context


class AppScope:
    def __init__(self, app: Flask):
        self.app = app

    @classmethod
    def current(cls) -> AppScope:
        """The scope of the app serving this request or task."""
        return cls(current_app._get_current_object())  # type: ignore[attr-defined]

    @contextmanager
    def __call__(self) -> Iterator[None]:
        if has_app_context():
            yield
            return
        with self.app.app_context():
            yield

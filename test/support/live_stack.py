"""Our server under gunicorn with one account: the shared setup of the e2e fixtures that drive
/v1 over HTTP, on either layout (DESIGN §3):

- ``production``: a fresh PostgreSQL database and a Redis database (shared state), 2 workers;
- ``embedded``: the embedded default — a SQLite file, no Redis (in-process state), the
  filesystem Celery broker, one worker (as `make dev` runs it).
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask_migrate import upgrade

from app.http.app import create_app
from pkg.sqlalchemy import SQLAlchemy
from test.support.environment import (
    config_env,
    create_pg_database,
    drop_pg_database,
    free_port,
    make_test_config,
    pg_url,
    redis_url,
)
from test.support.processes import ManagedProcess, start_celery_worker, start_server

LAYOUTS = ("production", "embedded")
# settings of the environment that would make the embedded server use a real service
_SERVICE_ENV = ("SQLALCHEMY_", "REDIS_", "CELERY_")


@dataclass
class LiveStack:
    url: str
    app: Any  # the in-process twin of the server's app (same database and settings; same Redis in production)
    account: Any
    database: str | None  # the PostgreSQL database (production layout)
    server: ManagedProcess
    layout: str = "production"
    env: dict[str, str] | None = None  # the server's environment (start another process of the same stack)
    worker: ManagedProcess | None = None  # the Celery worker (`worker=True`)


@contextmanager
def live_stack(tmp: Path, purpose: str, redis_db: int | str, env: dict[str, str | None] | None = None,
               workers: int | None = None, layout: str = "production", worker: bool = False,
               **settings: Any) -> Iterator[LiveStack]:
    """``env`` is added to the server's environment (a ``None`` value removes the variable);
    ``settings`` override the test configuration (e.g. ``ENV="production"``); ``worker`` starts a
    Celery worker process of the same stack too (production: workflow runs execute there)."""
    from test.conftest import make_account  # the fixtures module imports this one's siblings

    assert layout in LAYOUTS, layout
    settings = {"API_KEY_RATE_LIMIT": "100000/minute", **settings}
    database = None
    redis = redis_db if isinstance(redis_db, str) else redis_url(redis_db)  # an offset, or a URL (bench/)
    if layout == "production":
        database = create_pg_database(purpose)
        conf = make_test_config(tmp / "instance", SQLALCHEMY_DATABASE_URI=pg_url(database),
                                REDIS_URL=redis, CELERY_BROKER_URL=redis, **settings)
    else:
        conf = make_test_config(tmp / "instance", **settings)  # SQLite in the instance, no Redis
        workers = 1  # in-process state is per process: the embedded default runs one
    app = create_app(conf)
    server = celery_worker = None
    try:
        with app.app_context():
            upgrade()
        app.extensions["redis"].flushdb()
        account = make_account(app)
        server_env = config_env(conf)
        if layout == "embedded":  # nothing from the developer's environment points it at a service
            for k in [k for k in server_env if k.startswith(_SERVICE_ENV) and getattr(conf, k, None) is None]:
                server_env.pop(k)
        for k, v in (env or {}).items():
            if v is None:
                server_env.pop(k, None)
            else:
                server_env[k] = v
        port = free_port()
        if worker:
            celery_worker = start_celery_worker(server_env, tmp / "worker.log", name=f"{purpose}-{port}")
        server = start_server(server_env, port, tmp / "server.log", **({"workers": workers} if workers else {}))
        yield LiveStack(f"http://127.0.0.1:{port}", app, account, database, server, layout, server_env, celery_worker)
    finally:
        if server is not None:
            server.stop()
        if celery_worker is not None:
            celery_worker.stop()
        with app.app_context():
            app.extensions["injector"].get(SQLAlchemy).engine.dispose()
        if database is not None:
            drop_pg_database(database)

"""Shared fixtures for every tier.

- `pg_app` / `sqlite_app`: a fully wired app on a migrated PostgreSQL or SQLite database
  (session-scoped, built once per xdist worker); `app` is the PostgreSQL one, wiped after each test.
- `db_app`: parametrized over both databases, for behaviour that must hold on each.
- `client`, `console`: Flask test client; `console` adds a logged-in account (JWT).
- `celery_worker`: a real Celery worker process on real Redis, sharing `pg_app`'s database.
- `live_server`: the production server (gunicorn) as a process on its own database.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask_migrate import upgrade
from redis import Redis
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from app.http.app import create_app
from internal.model.account import Account
from internal.model.base import Base
from internal.service.dataset_hit_log import DatasetHitLog
from internal.service.jwt_service import JwtService
from pkg.password import hash_password
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
from test.support.processes import start_celery_worker, start_server

DEFAULT_PASSWORD = "Passw0rd-for-tests"


def _migrate(app) -> None:
    with app.app_context():
        upgrade()


def _wipe(app) -> None:
    """Delete every row (children first); far cheaper than re-creating the schema per test."""
    db: SQLAlchemy = app.extensions["injector"].get(SQLAlchemy)
    app.extensions["injector"].get(DatasetHitLog).flush()  # this test's hits, not into the next test's tables
    with app.app_context():
        db.session.remove()
        tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
        # The shared Celery worker may still be finishing a task of the previous test on these
        # tables; PostgreSQL then picks one side as a deadlock victim. Retry ours (bounded).
        for attempt in range(5):
            try:
                with db.engine.begin() as conn:
                    if db.engine.dialect.name == "postgresql":
                        conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " CASCADE"))
                    else:
                        for table in tables:
                            conn.execute(text(f'DELETE FROM "{table}"'))
                break
            except OperationalError as exc:
                if "deadlock" not in str(exc).lower() or attempt == 4:
                    raise
    app.extensions["redis"].flushdb()


@pytest.fixture(scope="session")
def pg_database():
    name = create_pg_database("app")
    yield name
    drop_pg_database(name)


@pytest.fixture(scope="session")
def pg_config(tmp_path_factory, pg_database):
    # Workflow runs on threads of the test's own process, their frames through the Redis channel
    # (no worker needed per test); runs on Celery workers: test/e2e/workflow, test_workflow_worker.py.
    return make_test_config(tmp_path_factory.mktemp("pg-instance"), SQLALCHEMY_DATABASE_URI=pg_url(pg_database),
                            REDIS_URL=redis_url(0), CELERY_BROKER_URL=redis_url(1), WORKFLOW_RUNS_ON="process")


@pytest.fixture(scope="session")
def pg_app(pg_config):
    app = create_app(pg_config)
    Redis.from_url(pg_config.CELERY_BROKER_URL).flushdb()
    _migrate(app)
    return app


@pytest.fixture(scope="session")
def sqlite_app(tmp_path_factory):
    conf = make_test_config(tmp_path_factory.mktemp("sqlite-instance"))
    app = create_app(conf)
    _migrate(app)
    return app


@pytest.fixture
def app(pg_app):
    yield pg_app
    _wipe(pg_app)


@pytest.fixture(params=["sqlite", "postgresql"])
def db_app(request):
    app = request.getfixturevalue("sqlite_app" if request.param == "sqlite" else "pg_app")
    yield app
    _wipe(app)


@pytest.fixture
def client(app):
    return app.test_client()


@dataclass
class AccountHandle:
    account_id: uuid.UUID
    email: str
    password: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def make_account(app, email: str | None = None, password: str = DEFAULT_PASSWORD, name: str = "Tester") -> AccountHandle:
    """Insert an account directly and issue a JWT for it (fixtures only; tests of login use the API)."""
    injector = app.extensions["injector"]
    db = injector.get(SQLAlchemy)
    email = email or f"user-{uuid.uuid4().hex[:10]}@example.com"
    with app.app_context():
        account = Account(email=email, name=name, password_hash=hash_password(password))
        with db.auto_commit():
            db.session.add(account)
        token = injector.get(JwtService).issue(account.id).access_token
        return AccountHandle(account.id, email, password, token)


class ConsoleClient:
    """Test client that sends the account's JWT and unwraps the console envelope."""

    def __init__(self, app, account: AccountHandle):
        self.app, self.account, self.http = app, account, app.test_client()

    def call(self, method: str, path: str, **kwargs):
        headers = {**self.account.headers, **kwargs.pop("headers", {})}
        response = self.http.open(path, method=method, headers=headers, **kwargs)
        assert response.status_code == 200, (response.status_code, response.get_data(as_text=True)[:500])
        return response.get_json()

    def get(self, path: str, **kwargs):
        return self.call("GET", path, **kwargs)

    def post(self, path: str, **kwargs):
        return self.call("POST", path, **kwargs)


@pytest.fixture
def account(app) -> AccountHandle:
    return make_account(app)


@pytest.fixture
def console(app, account) -> ConsoleClient:
    return ConsoleClient(app, account)


@pytest.fixture
def other_console(app) -> ConsoleClient:
    """A second tenant, for isolation tests."""
    return ConsoleClient(app, make_account(app))


@pytest.fixture(scope="session")
def celery_worker(pg_app, pg_config, tmp_path_factory):
    log = tmp_path_factory.mktemp("celery") / "worker.log"
    worker = start_celery_worker(config_env(pg_config), log, name=f"test-{uuid.uuid4().hex[:6]}")
    yield worker
    worker.stop()


@dataclass
class LiveServer:
    url: str
    config: object
    app: object  # an in-process app on the same database, for fixtures (accounts, keys)


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    database = create_pg_database("e2e")
    instance: Path = tmp_path_factory.mktemp("e2e-instance")
    conf = make_test_config(instance, SQLALCHEMY_DATABASE_URI=pg_url(database), REDIS_URL=redis_url(2),
                            CELERY_BROKER_URL=redis_url(2))
    fixture_app = create_app(conf)
    _migrate(fixture_app)
    port = free_port()
    server = start_server(config_env(conf), port, instance / "server.log")
    yield LiveServer(f"http://127.0.0.1:{port}", conf, fixture_app)
    server.stop()
    with fixture_app.app_context():
        fixture_app.extensions["injector"].get(SQLAlchemy).engine.dispose()
    drop_pg_database(database)

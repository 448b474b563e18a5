"""Issue 13 §1: a hit test's query-log row and hit counts are written after the response, by the
web process's DatasetHitLog; stopping the server (SIGTERM, as a deploy or `make dev` does) writes
what is still pending. The flush interval here is a minute, so only the shutdown can write it."""
from __future__ import annotations

import uuid

import httpx
from flask_migrate import upgrade
from sqlalchemy import select

from app.http.app import create_app
from internal.model.dataset import DatasetQuery
from pkg.sqlalchemy import SQLAlchemy
from test.conftest import make_account
from test.support.environment import config_env, free_port, make_test_config
from test.support.processes import start_server


def test_stopping_the_server_writes_the_pending_query_log(tmp_path):
    conf = make_test_config(tmp_path / "instance", KB_HIT_LOG_FLUSH_SECONDS=60)  # make dev's SQLite layout
    app = create_app(conf)
    with app.app_context():
        upgrade()
    headers = make_account(app).headers
    port = free_port()
    server = start_server(config_env(conf), port, tmp_path / "server.log", workers=1)
    try:
        url = f"http://127.0.0.1:{port}"
        created = httpx.post(f"{url}/datasets", json={"name": "shutdown", "icon": "", "description": ""},
                             headers=headers, timeout=30).json()
        ds = created["data"]["id"]
        for query in ("first question", "second question"):
            hit = httpx.post(f"{url}/datasets/{ds}/hit", headers=headers, timeout=60,
                             json={"query": query, "retrieval_strategy": "full_text", "k": 3, "score": 0}).json()
            assert hit["code"] == "success", hit
    finally:
        server.stop()
    assert server.proc.returncode is not None
    db = app.extensions["injector"].get(SQLAlchemy)
    with app.app_context():
        logged = db.session.scalars(select(DatasetQuery.query).where(DatasetQuery.dataset_id == uuid.UUID(ds))).all()
        db.session.remove()
        db.engine.dispose()
    assert sorted(logged) == ["first question", "second question"]

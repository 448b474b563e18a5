"""An exhausted database pool is overload, not a bug: 503 "busy" with Retry-After on the API
surfaces, the console's envelope, one `error` frame on an SSE route — never a 500."""
from __future__ import annotations

import uuid

import pytest

from app.http.app import create_app
from pkg.sqlalchemy import SQLAlchemy
from test.conftest import make_account


@pytest.fixture
def tiny_pool_app(pg_app, pg_config):
    # pg_app: the shared database is migrated; this app has ONE connection and waits 0.2 s for it.
    app = create_app(pg_config.model_copy(update={
        "SQLALCHEMY_POOL_SIZE": 1, "SQLALCHEMY_MAX_OVERFLOW": 0, "SQLALCHEMY_POOL_TIMEOUT": 0.2}))
    yield app
    with app.app_context():
        app.extensions["injector"].get(SQLAlchemy).engine.dispose()


def _holding_the_only_connection(app):
    db = app.extensions["injector"].get(SQLAlchemy)
    with app.app_context():
        return db.engine.connect()


def test_busy_pool_answers_503_and_an_sse_error_frame_not_500(tiny_pool_app, caplog):
    account = make_account(tiny_pool_app)
    http = tiny_pool_app.test_client()
    held = _holding_the_only_connection(tiny_pool_app)
    try:
        console = http.get("/account", headers=account.headers)
        assert console.status_code == 200  # the console reads errors from the envelope
        assert console.get_json()["code"] != "success"
        assert "busy" in console.get_json()["message"]

        api = http.post("/openapi/chat", headers={"Authorization": "Bearer llmops-not-a-real-key"},
                        json={"app_id": str(uuid.uuid4()), "query": "hi", "stream": False})
        assert api.status_code == 503 and api.headers["Retry-After"] == "1"
        assert "busy" in api.get_json()["message"]

        sse = http.post(f"/apps/{uuid.uuid4()}/conversations", headers=account.headers, json={"query": "hi"})
        assert sse.status_code == 200 and sse.mimetype == "text/event-stream"
        body = sse.get_data(as_text=True)
        assert body.startswith("event: error") and "busy" in body
        zh = http.get("/account", headers={**account.headers, "Accept-Language": "zh-CN"})
        assert zh.get_json()["message"] == "服务器繁忙，请稍后再试"
    finally:
        held.close()
    assert not [r for r in caplog.records if r.levelname == "ERROR"]  # logged as a warning, no traceback
    # once a connection is free again the same request works
    assert http.get("/account", headers=account.headers).get_json()["code"] == "success"

"""API keys: shown once, listed masked, hashed at rest, tenant-checked, rate limited per key —
on both layouts: production (PostgreSQL + Redis) and the embedded default (SQLite + in-process
state), where every key used to answer 500 from its second use (issue 9 F1)."""
from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from app.http.app import create_app
from config import Config
from internal.model.api_key import ApiKey
from pkg.secret_token import hash_secret
from pkg.sqlalchemy import SQLAlchemy
from test.conftest import _wipe


@pytest.fixture(params=["production", "embedded"])
def app(request):
    """This module's every test on both layouts (overrides the PostgreSQL-only `app`)."""
    layout_app = request.getfixturevalue("pg_app" if request.param == "production" else "sqlite_app")
    yield layout_app
    _wipe(layout_app)


def key_headers(raw: str) -> dict:
    return {"Authorization": f"Bearer {raw}"}


def create_key(console, remark="ci", is_active=True) -> dict:
    body = console.post("/openapi/api-keys", json={"remark": remark, "is_active": is_active})
    assert body["code"] == "success", body
    return body["data"]


def test_key_is_shown_once_listed_masked_and_works(console, client, app):
    # An empty list still has one page: llmops-ui refreshes only when total_page >= 1 (issue 13).
    assert console.get("/openapi/api-keys")["data"]["paginator"] == {
        "total_page": 1, "total_record": 0, "current_page": 1, "page_size": 20}
    body = console.post("/openapi/api-keys", json={"remark": "my key"})
    created = body["data"]
    raw = created["api_key"]
    assert raw in body["message"]  # llmops-ui only shows the message after creating a key
    assert raw.startswith("llmops-") and len(raw) > 40 and "*" not in raw
    assert created["remark"] == "my key" and created["is_active"] is True and created["last_used_at"] == 0

    listed = console.get("/openapi/api-keys")["data"]
    assert listed["paginator"] == {"total_page": 1, "total_record": 1, "current_page": 1, "page_size": 20}
    item = listed["list"][0]
    assert item["id"] == created["id"] and item["api_key"] != raw and "****" in item["api_key"]
    assert raw not in str(console.get("/openapi/api-keys"))

    db = app.extensions["injector"].get(SQLAlchemy)
    with app.app_context():
        row = db.session.get(ApiKey, uuid.UUID(created["id"]))
        assert row.key_hash == hash_secret(raw) and raw not in (row.key_hash, row.masked_key)

    response = client.get("/openapi/whoami", headers=key_headers(raw))
    assert response.status_code == 200
    assert response.get_json() == {"account_id": str(console.account.account_id), "api_key_id": created["id"]}
    assert client.get("/v1/models", headers=key_headers(raw)).status_code == 200
    # last_used_at is recorded (at most once per interval)
    used = console.get("/openapi/api-keys")["data"]["list"][0]["last_used_at"]
    assert used > 0
    client.get("/openapi/whoami", headers=key_headers(raw))
    assert console.get("/openapi/api-keys")["data"]["list"][0]["last_used_at"] == used


def test_jwt_is_not_an_api_key_and_api_key_is_not_a_jwt(console, client):
    raw = create_key(console)["api_key"]
    assert client.get("/openapi/whoami", headers=console.account.headers).status_code == 401
    assert client.get("/account", headers=key_headers(raw)).get_json()["code"] == "unauthorized"


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer llmops-not-a-real-key"},
                                     {"Authorization": "Basic abc"}])
def test_bad_api_keys_are_401(client, headers):
    response = client.get("/openapi/whoami", headers=headers)
    assert response.status_code == 401 and response.get_json()["code"] == "unauthorized"
    v1 = client.get("/v1/models", headers=headers)
    assert v1.status_code == 401 and v1.get_json()["error"]["code"] == "invalid_api_key"


def test_disabled_key_is_rejected_immediately_and_can_be_re_enabled(console, client):
    created = create_key(console)
    raw = created["api_key"]
    assert client.get("/openapi/whoami", headers=key_headers(raw)).status_code == 200
    assert console.post(f"/openapi/api-keys/{created['id']}/is-active", json={"is_active": False})["code"] == "success"
    disabled = client.get("/openapi/whoami", headers=key_headers(raw))
    assert disabled.status_code == 401 and "disabled" in disabled.get_json()["message"]
    assert client.get("/v1/models", headers=key_headers(raw)).status_code == 401
    assert console.post(f"/openapi/api-keys/{created['id']}", json={"is_active": True, "remark": "back"})["code"] \
        == "success"
    assert client.get("/openapi/whoami", headers=key_headers(raw)).status_code == 200
    item = console.get("/openapi/api-keys")["data"]["list"][0]
    assert item["remark"] == "back" and item["is_active"] is True


def test_gateway_key_cache_is_invalidated_at_once_on_disable_and_delete(console, client):
    """/v1 caches authenticated keys per process; an update/delete bumps the epoch it checks."""
    created = create_key(console)
    raw = created["api_key"]
    assert client.get("/v1/models", headers=key_headers(raw)).status_code == 200  # cached now
    assert client.get("/v1/models", headers=key_headers(raw)).status_code == 200
    console.post(f"/openapi/api-keys/{created['id']}/is-active", json={"is_active": False})
    assert client.get("/v1/models", headers=key_headers(raw)).status_code == 401
    console.post(f"/openapi/api-keys/{created['id']}/is-active", json={"is_active": True})
    assert client.get("/v1/models", headers=key_headers(raw)).status_code == 200
    console.post(f"/openapi/api-keys/{created['id']}/delete")
    assert client.get("/v1/models", headers=key_headers(raw)).status_code == 401


def test_key_created_inactive_does_not_work(console, client):
    raw = create_key(console, is_active=False)["api_key"]
    assert client.get("/openapi/whoami", headers=key_headers(raw)).status_code == 401


def test_deleted_key_is_rejected(console, client):
    created = create_key(console)
    assert console.post(f"/openapi/api-keys/{created['id']}/delete")["code"] == "success"
    assert client.get("/openapi/whoami", headers=key_headers(created["api_key"])).status_code == 401
    assert console.get("/openapi/api-keys")["data"]["list"] == []
    assert console.post(f"/openapi/api-keys/{created['id']}/delete")["code"] == "not_found"


def test_other_tenants_key_id_is_not_found_on_every_route(console, other_console, client):
    theirs = create_key(other_console, remark="theirs")
    key_id = theirs["id"]
    for path, body in ((f"/openapi/api-keys/{key_id}", {"is_active": False, "remark": "pwned"}),
                       (f"/openapi/api-keys/{key_id}/is-active", {"is_active": False}),
                       (f"/openapi/api-keys/{key_id}/delete", None)):
        result = console.post(path, json=body) if body is not None else console.post(path)
        assert result["code"] == "not_found", (path, result)
    assert console.get("/openapi/api-keys")["data"]["list"] == []
    # still intact and working for its owner
    item = other_console.get("/openapi/api-keys")["data"]["list"][0]
    assert item["remark"] == "theirs" and item["is_active"] is True
    assert client.get("/openapi/whoami", headers=key_headers(theirs["api_key"])).status_code == 200


def test_unknown_and_malformed_ids_are_not_found(console):
    assert console.post(f"/openapi/api-keys/{uuid.uuid4()}", json={"remark": "x"})["code"] == "not_found"
    assert console.post("/openapi/api-keys/not-a-uuid/is-active", json={"is_active": True})["code"] == "not_found"


def test_list_paginates_and_searches(console):
    for i in range(3):
        create_key(console, remark=f"batch-{i}")
    create_key(console, remark="special 100%")
    page = console.get("/openapi/api-keys", query_string={"current_page": 2, "page_size": 3})["data"]
    assert page["paginator"] == {"total_page": 2, "total_record": 4, "current_page": 2, "page_size": 3}
    assert len(page["list"]) == 1
    found = console.get("/openapi/api-keys", query_string={"search_word": "100%"})["data"]["list"]
    assert [k["remark"] for k in found] == ["special 100%"]
    for bad in ({"page_size": 0}, {"page_size": 51}, {"current_page": "x"}):
        assert console.get("/openapi/api-keys", query_string=bad)["code"] == "validate_error"


def test_create_and_update_validation(console):
    assert console.post("/openapi/api-keys", json={"remark": "x" * 101})["code"] == "validate_error"
    key_id = create_key(console)["id"]
    assert console.post(f"/openapi/api-keys/{key_id}/is-active", json={})["code"] == "validate_error"
    assert console.post(f"/openapi/api-keys/{key_id}/is-active", json={"is_active": "maybe"})["code"] \
        == "validate_error"


@pytest.fixture
def limited_app(app):
    conf = app.extensions["injector"].get(Config)
    limited = create_app(conf.model_copy(update={"API_KEY_RATE_LIMIT": "3/minute"}))
    yield limited
    with limited.app_context():
        limited.extensions["injector"].get(SQLAlchemy).engine.dispose()


def test_per_key_rate_limit_answers_429_with_retry_after(console, limited_app):
    first = create_key(console)["api_key"]
    second = create_key(console)["api_key"]
    client = limited_app.test_client()
    for _ in range(3):
        assert client.get("/openapi/whoami", headers=key_headers(first)).status_code == 200
    limited = client.get("/openapi/whoami", headers=key_headers(first))
    assert limited.status_code == 429
    assert 1 <= int(limited.headers["Retry-After"]) <= 61
    assert "rate limit" in limited.get_json()["message"]
    # the limit is per key: another key of the same account is unaffected
    assert client.get("/openapi/whoami", headers=key_headers(second)).status_code == 200


def test_disabled_key_is_rejected_before_the_rate_limit_counts(console, limited_app, app):
    created = create_key(console, is_active=False)
    client = limited_app.test_client()
    for _ in range(5):
        assert client.get("/openapi/whoami", headers=key_headers(created["api_key"])).status_code == 401
    db = app.extensions["injector"].get(SQLAlchemy)
    with app.app_context():
        assert db.session.scalar(select(ApiKey.last_used_at).where(ApiKey.id == uuid.UUID(created["id"]))) is None

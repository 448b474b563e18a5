"""GET /account and the profile/password updates; every auth route answers in the envelope."""
from __future__ import annotations

import uuid

import pytest

from internal.model.account import Account
from pkg.sqlalchemy import SQLAlchemy


def test_get_current_user_shape(console):
    body = console.get("/account")
    assert body["code"] == "success"
    data = body["data"]
    assert set(data) >= {"id", "name", "email", "avatar", "last_login_at", "last_login_ip", "created_at"}
    assert data["id"] == str(console.account.account_id) and data["email"] == console.account.email
    assert isinstance(data["created_at"], int) and data["created_at"] > 1_600_000_000
    assert "password" not in str(data).replace("is_password_set", "")


def test_update_name_and_avatar(console):
    assert console.post("/account/name", json={"name": "  Ada  "})["code"] == "success"
    assert console.post("/account/avatar", json={"avatar": "https://cdn.example.com/a.png"})["code"] == "success"
    data = console.get("/account")["data"]
    assert data["name"] == "Ada" and data["avatar"] == "https://cdn.example.com/a.png"


@pytest.mark.parametrize("path,body", [
    ("/account/name", {"name": ""}), ("/account/name", {"name": "   "}), ("/account/name", {"name": "x" * 31}),
    ("/account/name", {}), ("/account/avatar", {"avatar": "javascript:alert(1)"}),
    ("/account/avatar", {"avatar": "not a url"}), ("/account/avatar", {}),
    ("/account/password", {"password": "short1", "old_password": "whatever"}),
    ("/account/password", {"password": "onlyletters", "old_password": "whatever"}),
])
def test_profile_validation_errors(console, path, body):
    result = console.post(path, json=body)
    assert result["code"] == "validate_error", result
    assert console.get("/account")["data"]["name"] == "Tester"


def _login(client, email, password) -> str:
    return client.post("/auth/password-login", json={"email": email, "password": password}).get_json()["code"]


def test_password_change_requires_the_correct_old_password(console, client):
    email, old = console.account.email, console.account.password
    # the fixture's token is not from a password login: no re-authentication window
    missing = console.post("/account/password", json={"password": "New-passw0rd"})
    assert missing["code"] == "fail" and "sign in again" in missing["message"]
    wrong = console.post("/account/password", json={"password": "New-passw0rd", "old_password": "Wrong-passw0rd1"})
    assert wrong["code"] == "fail" and "incorrect" in wrong["message"]
    assert _login(client, email, old) == "success"  # unchanged so far
    ok = console.post("/account/password", json={"password": "New-passw0rd", "old_password": old})
    assert ok["code"] == "success"
    assert _login(client, email, old) == "fail"
    assert _login(client, email, "New-passw0rd") == "success"


def test_oauth_only_account_sets_a_first_password_without_old(app, client):
    from internal.service.jwt_service import JwtService

    injector = app.extensions["injector"]
    db = injector.get(SQLAlchemy)
    with app.app_context():
        account = Account(email=f"gh-{uuid.uuid4().hex[:6]}@example.com", name="gh", password_hash=None)
        with db.auto_commit():
            db.session.add(account)
        token = injector.get(JwtService).issue(account.id).access_token
        email = account.email
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/account", headers=headers).get_json()["data"]["is_password_set"] is False
    body = client.post("/account/password", json={"password": "First-passw0rd"}, headers=headers).get_json()
    assert body["code"] == "success"
    assert _login(client, email, "First-passw0rd") == "success"
    # from now on the old password is required
    headers = {"Authorization": f"Bearer {body['data']['access_token']}"}
    again = client.post("/account/password", json={"password": "Second-passw0rd"}, headers=headers).get_json()
    assert again["code"] == "fail" and "sign in again" in again["message"]


# --- the envelope matrix: every route of accounts/auth/API keys ---------------------------
KEY = "00000000-0000-4000-8000-000000000000"
ROUTES = [  # (method, path, invalid body/query, needs login)
    ("POST", "/auth/password-login", {"email": "x"}, False),
    ("POST", "/auth/register", {"email": "x"}, False),
    ("POST", "/auth/logout", None, True),
    ("GET", "/oauth/github", None, False),
    ("POST", "/oauth/authorize/github", {"code": ""}, False),
    ("GET", "/account", None, True),
    ("POST", "/account/name", {"name": ""}, True),
    ("POST", "/account/avatar", {"avatar": "ftp://x"}, True),
    ("POST", "/account/password", {"password": "x"}, True),
    ("GET", "/openapi/api-keys", {"page_size": 0}, True),
    ("POST", "/openapi/api-keys", {"remark": "x" * 101}, True),
    ("POST", f"/openapi/api-keys/{KEY}", {"remark": "x" * 101}, True),
    ("POST", f"/openapi/api-keys/{KEY}/is-active", {"is_active": "maybe"}, True),
    ("POST", f"/openapi/api-keys/{KEY}/delete", None, True),
]


def _call(client, method, path, payload=None, headers=None):
    kwargs = {"headers": headers or {}}
    if payload is not None:
        kwargs["query_string" if method == "GET" else "json"] = payload
    response = client.open(path, method=method, **kwargs)
    assert response.status_code == 200, (method, path, response.status_code)
    body = response.get_json()
    assert set(body) == {"code", "message", "data"}, body
    return body


@pytest.mark.parametrize("method,path,invalid,needs_login", ROUTES, ids=[f"{m} {p}" for m, p, *_ in ROUTES])
def test_every_route_answers_in_the_envelope(client, console, method, path, invalid, needs_login):
    headers = console.account.headers
    if needs_login:
        assert _call(client, method, path)["code"] == "unauthorized"
        assert _call(client, method, path, headers={"Authorization": "Bearer forged.jwt.value"})["code"] \
            == "unauthorized"
    if invalid is not None:
        assert _call(client, method, path, invalid, headers)["code"] == "validate_error"
    for wrong_method in ("PUT", "DELETE", "PATCH"):
        assert _call(client, wrong_method, path, headers=headers)["code"] == "not_found"
    assert _call(client, method, path + "/no-such-child", headers=headers)["code"] == "not_found"
    if "/api-keys/" in path:  # an id that does not exist
        payload = {"is_active": True} if path.endswith("is-active") else ({} if not path.endswith("delete") else None)
        assert _call(client, method, path, payload, headers)["code"] == "not_found"


def test_oauth_provider_invalid_and_unconfigured(client):
    # /oauth/<provider> takes no input; an unconfigured provider is not_found in the envelope
    assert _call(client, "GET", "/oauth/github")["code"] == "not_found"


def test_password_change_signs_out_older_tokens_and_returns_a_fresh_one(console, client, app):
    import time
    import uuid as _uuid

    import jwt

    now = int(time.time())
    older = jwt.encode({"sub": str(console.account.account_id), "iat": now - 30, "exp": now + 600, "iss": "llmops",
                        "jti": _uuid.uuid4().hex}, app.config["SECRET_KEY"], algorithm="HS256")
    older_headers = {"Authorization": f"Bearer {older}"}
    assert client.get("/account", headers=older_headers).get_json()["code"] == "success"
    changed = console.post("/account/password", json={"password": "New-passw0rd", "old_password": console.account.password})
    assert changed["code"] == "success" and set(changed["data"]) == {"access_token", "expire_at"}
    refused = client.get("/account", headers=older_headers).get_json()
    assert refused["code"] == "unauthorized" and "password was changed" in refused["message"]
    fresh = {"Authorization": f"Bearer {changed['data']['access_token']}"}
    assert client.get("/account", headers=fresh).get_json()["code"] == "success"

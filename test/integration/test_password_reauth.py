"""POST /account/password without old_password (llmops-ui's account dialog sends only {password}):
accepted only within PASSWORD_REAUTH_WINDOW_SECONDS of a password login; the token that made the
change stays signed in, every other token of the account is signed out (issue 13 §1)."""
from __future__ import annotations

import time
import uuid

import jwt


def _login(client, email, password) -> dict:
    body = client.post("/auth/password-login", json={"email": email, "password": password}).get_json()
    assert body["code"] == "success", body
    return {"Authorization": f"Bearer {body['data']['access_token']}"}


def _code(client, headers) -> str:
    return client.get("/account", headers=headers).get_json()["code"]


def test_fresh_password_login_changes_without_old_password_and_stays_signed_in(console, client):
    email, old = console.account.email, console.account.password
    this_tab, other_device = _login(client, email, old), _login(client, email, old)
    changed = client.post("/account/password", json={"password": "New-passw0rd"}, headers=this_tab).get_json()
    assert changed["code"] == "success" and changed["message"], changed
    assert _code(client, this_tab) == "success"  # the console keeps its token: no silent logout
    refused = client.get("/account", headers=other_device).get_json()
    assert refused["code"] == "unauthorized" and "password was changed" in refused["message"]
    assert _code(client, console.account.headers) == "unauthorized"  # the fixture's older token too
    assert _code(client, {"Authorization": f"Bearer {changed['data']['access_token']}"}) == "success"
    assert client.post("/auth/password-login", json={"email": email, "password": old}).get_json()["code"] == "fail"
    newest = _login(client, email, "New-passw0rd")
    # a second change from another token: the first kept token is signed out now
    assert client.post("/account/password", json={"password": "Third-passw0rd"},
                       headers=newest).get_json()["code"] == "success"
    assert _code(client, newest) == "success" and _code(client, this_tab) == "unauthorized"


def test_outside_the_window_the_user_is_told_to_sign_in_again(console, client, app):
    now_ms = int(time.time() * 1000)
    window = app.extensions["injector"].get(__import__("config").Config).PASSWORD_REAUTH_WINDOW_SECONDS
    stale_ms = now_ms - (window + 5) * 1000  # a password login just past the window
    stale = jwt.encode({"sub": str(console.account.account_id), "iat": stale_ms // 1000, "iat_ms": stale_ms,
                        "exp": now_ms // 1000 + 600, "iss": "llmops", "jti": uuid.uuid4().hex, "amr": ["pwd"]},
                       app.config["SECRET_KEY"], algorithm="HS256")
    headers = {"Authorization": f"Bearer {stale}"}
    assert _code(client, headers) == "success"
    body = client.post("/account/password", json={"password": "New-passw0rd"}, headers=headers).get_json()
    assert body["code"] == "fail" and "sign in again" in body["message"], body
    # OAuth / fixture tokens (no `amr: pwd`) never open the window
    body = console.post("/account/password", json={"password": "New-passw0rd"})
    assert body["code"] == "fail" and "sign in again" in body["message"]
    # the old password is still accepted from the stale session
    ok = client.post("/account/password", json={"password": "New-passw0rd",
                                                 "old_password": console.account.password}, headers=headers)
    assert ok.get_json()["code"] == "success"
    assert _code(client, headers) == "success"

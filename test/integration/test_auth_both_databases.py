"""The main account/API-key flow on both databases (SQLite is the embedded default)."""
from __future__ import annotations

from internal.service.account_service import AccountService


def test_login_account_api_keys_logout_on_each_database(db_app):
    with db_app.app_context():
        db_app.extensions["injector"].get(AccountService).create_account("both@example.com", "Passw0rd-both", "B")
    client = db_app.test_client()
    assert client.post("/auth/password-login", json={"email": "both@example.com", "password": "nope-1234"}) \
        .get_json()["code"] == "fail"
    login = client.post("/auth/password-login", json={"email": "both@example.com", "password": "Passw0rd-both"})
    token = login.get_json()["data"]["access_token"]
    auth = {"Authorization": f"Bearer {token}"}
    assert client.get("/account", headers=auth).get_json()["data"]["email"] == "both@example.com"
    assert client.post("/account/name", json={"name": "Both"}, headers=auth).get_json()["code"] == "success"

    created = client.post("/openapi/api-keys", json={"remark": "50% off_"}, headers=auth).get_json()["data"]
    client.post("/openapi/api-keys", json={"remark": "other"}, headers=auth)
    key = {"Authorization": f"Bearer {created['api_key']}"}
    assert client.get("/openapi/whoami", headers=key).status_code == 200
    found = client.get("/openapi/api-keys", query_string={"search_word": "50% off_"}, headers=auth).get_json()
    assert [k["remark"] for k in found["data"]["list"]] == ["50% off_"]
    assert found["data"]["list"][0]["last_used_at"] > 0
    assert client.get("/openapi/api-keys", query_string={"search_word": "%"}, headers=auth) \
        .get_json()["data"]["paginator"]["total_record"] == 1
    client.post(f"/openapi/api-keys/{created['id']}/is-active", json={"is_active": False}, headers=auth)
    assert client.get("/openapi/whoami", headers=key).status_code == 401
    client.post(f"/openapi/api-keys/{created['id']}/delete", headers=auth)
    assert client.get("/openapi/api-keys", headers=auth).get_json()["data"]["paginator"]["total_record"] == 1

    changed = client.post("/account/password", json={"password": "Passw0rd-new", "old_password": "Passw0rd-both"},
                          headers=auth).get_json()
    assert changed["code"] == "success"
    assert client.get("/account", headers=auth).get_json()["code"] == "success"  # the changing token is kept
    auth = {"Authorization": f"Bearer {changed['data']['access_token']}"}
    assert client.post("/auth/logout", headers=auth).get_json()["code"] == "success"
    assert client.get("/account", headers=auth).get_json()["code"] == "unauthorized"
    assert client.post("/auth/password-login", json={"email": "both@example.com", "password": "Passw0rd-new"}) \
        .get_json()["code"] == "success"

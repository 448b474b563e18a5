"""The console's auth calls over real HTTP against the production server (gunicorn, 2 workers):
login → GET /account → logout, with the CORS headers a browser console relies on, and an API
key used on the third-party surface."""
from __future__ import annotations

import time

import httpx

from internal.service.account_service import AccountService

ORIGIN = "http://console.test"  # make_test_config's CORS_ORIGINS


def _account(live_server, email: str, password: str) -> None:
    app = live_server.app
    with app.app_context():
        app.extensions["injector"].get(AccountService).create_account(email, password, "E2E User")


def test_console_login_account_logout_over_http(live_server):
    email, password = f"e2e-{int(time.time() * 1000)}@example.com", "E2e-passw0rd"
    _account(live_server, email, password)
    with httpx.Client(base_url=live_server.url, timeout=10, headers={"Origin": ORIGIN}) as http:
        preflight = http.options("/auth/password-login", headers={"Access-Control-Request-Method": "POST",
                                                                   "Access-Control-Request-Headers": "content-type"})
        assert preflight.headers.get("Access-Control-Allow-Origin") == ORIGIN

        before = int(time.time())
        response = http.post("/auth/password-login", json={"email": email, "password": password})
        assert response.status_code == 200
        assert response.headers.get("Access-Control-Allow-Origin") == ORIGIN
        body = response.json()
        assert body["code"] == "success" and body["message"] == "operation succeeded"  # writes answer a message
        token, expire_at = body["data"]["access_token"], body["data"]["expire_at"]
        # expire_at is UNIX seconds (what the console compares with Date.now()/1000), in the future
        assert isinstance(expire_at, int) and before < expire_at < before + 10 * 365 * 24 * 3600
        assert expire_at < 10_000_000_000  # seconds, not milliseconds
        claims_exp = _jwt_exp(token)
        assert claims_exp == expire_at

        auth = {"Authorization": f"Bearer {token}"}
        me = http.get("/account", headers=auth).json()
        assert me["code"] == "success"
        assert me["data"]["email"] == email and me["data"]["name"] == "E2E User"
        assert me["data"]["last_login_at"] >= before

        wrong = http.post("/auth/password-login", json={"email": email, "password": "Wrong-passw0rd"})
        assert wrong.status_code == 200 and wrong.json()["code"] == "fail"

        logout = http.post("/auth/logout", headers=auth)
        assert logout.status_code == 200 and logout.json()["code"] == "success"
        # revoked server-side: every gunicorn worker refuses it from now on
        for _ in range(4):
            after = http.get("/account", headers=auth)
            assert after.status_code == 200 and after.json()["code"] == "unauthorized"


def test_api_key_from_console_works_on_the_third_party_surface(live_server):
    email, password = f"e2e-key-{int(time.time() * 1000)}@example.com", "E2e-passw0rd"
    _account(live_server, email, password)
    with httpx.Client(base_url=live_server.url, timeout=10) as http:
        token = http.post("/auth/password-login", json={"email": email, "password": password}).json()["data"][
            "access_token"]
        auth = {"Authorization": f"Bearer {token}"}
        created = http.post("/openapi/api-keys", json={"remark": "e2e"}, headers=auth).json()["data"]
        key = {"Authorization": f"Bearer {created['api_key']}"}
        whoami = http.get("/openapi/whoami", headers=key)
        assert whoami.status_code == 200 and whoami.json()["api_key_id"] == created["id"]
        listed = http.get("/openapi/api-keys", headers=auth).json()["data"]["list"]
        assert listed[0]["api_key"] != created["api_key"]
        for _ in range(6):  # fills the /v1 gateway's per-process key cache in both workers
            assert http.get("/v1/models", headers=key).status_code == 200
        http.post(f"/openapi/api-keys/{created['id']}/is-active", json={"is_active": False}, headers=auth)
        for _ in range(4):  # every worker sees it disabled at once
            assert http.get("/openapi/whoami", headers=key).status_code == 401
            assert http.get("/v1/models", headers=key).status_code == 401


def _jwt_exp(token: str) -> int:
    import jwt

    return int(jwt.decode(token, options={"verify_signature": False})["exp"])

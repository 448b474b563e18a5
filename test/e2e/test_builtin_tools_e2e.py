"""The console's builtin tool calls over real HTTP against the production server (gunicorn), as
llmops-ui makes them: the tool store list and categories with a JWT from the console's origin,
every provider icon loaded by an <img> (no token), a tool's detail, and credentials that never
come back in full."""
from __future__ import annotations

import time

import httpx

from internal.service.account_service import AccountService

ORIGIN = "http://console.test"  # make_test_config's CORS_ORIGINS


def _login(http: httpx.Client, live_server) -> dict[str, str]:
    email, password = f"e2e-tools-{int(time.time() * 1000)}@example.com", "E2e-passw0rd"
    with live_server.app.app_context():
        live_server.app.extensions["injector"].get(AccountService).create_account(email, password, "Tools")
    token = http.post("/auth/password-login", json={"email": email, "password": password}).json()["data"]["access_token"]
    return {"Authorization": f"Bearer {token}"}


def test_tool_store_over_http(live_server):
    with httpx.Client(base_url=live_server.url, timeout=10, headers={"Origin": ORIGIN}) as http:
        auth = _login(http, live_server)
        providers = http.get("/builtin-tools", headers=auth)
        assert providers.status_code == 200 and providers.headers["Access-Control-Allow-Origin"] == ORIGIN
        data = providers.json()["data"]
        assert len(data) >= 6 and sum(len(p["tools"]) for p in data) >= 12
        assert all(p["created_at"] > 10**12 for p in data)  # milliseconds
        categories = http.get("/builtin-tools/categories", headers=auth).json()["data"]
        assert {p["category"] for p in data} <= {c["category"] for c in categories}

    with httpx.Client(base_url=live_server.url, timeout=10) as img:  # an <img>: no token, no Origin
        for p in data:
            r = img.get(p["icon"])
            assert r.status_code == 200 and r.headers["content-type"].startswith("image/svg+xml"), p["name"]
            assert "max-age=86400" in r.headers["cache-control"] and r.content.startswith(b"<svg")
        missing = img.get("/builtin-tools/nope/icon")
        assert missing.status_code == 200 and missing.json()["code"] == "not_found"

    with httpx.Client(base_url=live_server.url, timeout=10, headers={"Origin": ORIGIN}) as http:
        auth = _login(http, live_server)
        detail = http.get("/builtin-tools/weather/tools/current_weather", headers=auth).json()["data"]
        assert detail["provider"]["name"] == "weather" and detail["inputs"][0]["name"] == "city"
        secret = "e2e-weather-secret-987654"
        saved = http.post("/builtin-tools/weather/credentials", headers=auth, json={"config": {"api_key": secret}})
        assert saved.json()["code"] == "success" and secret not in saved.text
        again = http.get("/builtin-tools/weather/credentials", headers=auth)
        assert again.json()["data"]["configured"] is True and secret not in again.text
        bad = http.post("/builtin-tools/weather/credentials", headers=auth, json={"config": {"api_key": ""}})
        assert bad.status_code == 200 and bad.json()["code"] == "validate_error"

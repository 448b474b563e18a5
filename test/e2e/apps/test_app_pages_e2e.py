"""The console's app pages over real HTTP against the production server (gunicorn), with the
requests llmops-ui makes: the store, add a template, edit the draft ability by ability, publish,
history, roll back, share as a web app (another signed-in user opens it), analysis, copy, delete."""
from __future__ import annotations

import time

import httpx

from internal.service.account_service import AccountService

ORIGIN = "http://console.test"


def _login(http: httpx.Client, live_server) -> dict[str, str]:
    email, password = f"e2e-apps-{time.time_ns()}@example.com", "E2e-passw0rd"
    with live_server.app.app_context():
        live_server.app.extensions["injector"].get(AccountService).create_account(email, password, "T")
    token = http.post("/auth/password-login", json={"email": email, "password": password}).json()["data"]["access_token"]
    return {"Authorization": f"Bearer {token}"}


def test_app_pages_flow_over_http(live_server):
    with httpx.Client(base_url=live_server.url, timeout=10, headers={"Origin": ORIGIN}) as http:
        auth, visitor = _login(http, live_server), _login(http, live_server)

        def call(method: str, path: str, headers=None, **kw) -> dict:
            resp = http.request(method, path, headers=headers or auth, **kw)
            assert resp.status_code == 200 and resp.headers["Access-Control-Allow-Origin"] == ORIGIN
            return resp.json()

        store = call("GET", "/builtin-apps")["data"]
        assert len(store) >= 4 and call("GET", "/builtin-apps/categories")["code"] == "success"
        icon = http.get(store[0]["icon"])  # an <img>: no JWT
        assert icon.status_code == 200 and icon.headers["content-type"].startswith("image/svg+xml")
        app_id = call("POST", "/builtin-apps/add-builtin-app-to-space", json={"builtin_app_id": store[0]["id"]})["data"]["id"]

        for body in ({"model_config": {"provider": "openai", "model": "gpt-4o-mini", "parameters": {"temperature": 0.2}},
                      "dialog_round": 4},
                     {"preset_prompt": "你是一名耐心的助手"},
                     {"tools": [{"type": "builtin_tool", "provider_id": "time", "tool_id": "current_time", "params": {}}]},
                     {"opening_questions": ["现在几点？"]}):
            assert call("POST", f"/apps/{app_id}/draft-app-config", json=body)["code"] == "success", body
        bad = call("POST", f"/apps/{app_id}/draft-app-config", json={"dialog_round": 1000})
        assert bad["code"] == "validate_error" and bad["message"].startswith("dialog_round")
        draft = call("GET", f"/apps/{app_id}/draft-app-config")["data"]
        assert draft["dialog_round"] == 4 and draft["tools"][0]["provider"]["icon"] == "/builtin-tools/time/icon"

        assert call("POST", f"/apps/{app_id}/publish")["code"] == "success"
        call("POST", f"/apps/{app_id}/draft-app-config", json={"preset_prompt": "第二版"})
        call("POST", f"/apps/{app_id}/publish")
        history = call("GET", f"/apps/{app_id}/publish-histories", params={"current_page": 1, "page_size": 20})["data"]
        assert [h["version"] for h in history["list"]] == [2, 1]
        call("POST", f"/apps/{app_id}/fallback-history", json={"app_config_version_id": history["list"][1]["id"]})
        assert call("GET", f"/apps/{app_id}/draft-app-config")["data"]["preset_prompt"] == "你是一名耐心的助手"

        token = call("GET", f"/apps/{app_id}/published-config")["data"]["web_app"]["token"]
        web = call("GET", f"/web-apps/{token}", headers=visitor)["data"]
        assert web["id"] == app_id and web["app_config"]["opening_questions"] == ["现在几点？"]
        assert call("GET", f"/web-apps/{token}/conversations", headers=visitor, params={"is_pinned": "false"})["data"] == []
        assert call("GET", f"/apps/{app_id}", headers=visitor)["code"] == "not_found"

        analysis = call("GET", f"/analysis/{app_id}")["data"]
        assert analysis["total_messages"] == {"data": 0, "pop": 0.0}
        copy_id = call("POST", f"/apps/{app_id}/copy")["data"]["id"]
        listing = call("GET", "/apps", params={"current_page": 1, "page_size": 20, "search_word": ""})["data"]
        assert {a["id"] for a in listing["list"]} == {app_id, copy_id}
        assert call("POST", f"/apps/{app_id}/delete")["code"] == "success"
        assert call("GET", f"/web-apps/{token}", headers=visitor)["code"] == "not_found"

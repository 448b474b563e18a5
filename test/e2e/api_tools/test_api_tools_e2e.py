"""The console's custom-tool page over real HTTP against the production server (gunicorn), with
the requests llmops-ui makes: validate on blur, create, list, open the edit form, save it back
unchanged (masked header values), tool detail, delete; a malformed document leaves nothing; the
tool created over HTTP, pointed at a loopback server, is refused by the real SSRF guard."""
from __future__ import annotations

import json
import time
from pathlib import Path

import httpx

from internal.core.tools.base import ToolCallContext, ToolRef, ToolType
from internal.service.account_service import AccountService
from internal.service.tool.tool_resolver_service import ToolResolverService
from test.support.local_http import LocalHTTPServer, json_response

ORIGIN = "http://console.test"
COURSE_DOC = (Path(__file__).resolve().parents[2] / "fixtures" / "openapi" / "course-dialect.json").read_text()
HEADER_SECRET = "Bearer e2e-secret-token-0123456789"


def _login(http: httpx.Client, live_server) -> tuple[dict[str, str], object]:
    email, password = f"e2e-apitools-{time.time_ns()}@example.com", "E2e-passw0rd"
    with live_server.app.app_context():
        account = live_server.app.extensions["injector"].get(AccountService).create_account(email, password, "T")
    token = http.post("/auth/password-login", json={"email": email, "password": password}).json()["data"]["access_token"]
    return {"Authorization": f"Bearer {token}"}, account.id


def test_custom_tool_page_flow_over_http(live_server):
    with httpx.Client(base_url=live_server.url, timeout=10, headers={"Origin": ORIGIN}) as http:
        auth, account_id = _login(http, live_server)
        other_auth, _ = _login(http, live_server)

        checked = http.post("/api-tools/validate-openapi-schema", headers=auth, json={"openapi_schema": COURSE_DOC})
        assert checked.status_code == 200 and checked.headers["Access-Control-Allow-Origin"] == ORIGIN
        assert checked.json()["code"] == "success"

        bad = http.post("/api-tools", headers=auth, json={"name": "broken", "icon": "https://picsum.photos/400",
                                                          "openapi_schema": COURSE_DOC[:-3], "headers": []}).json()
        assert bad["code"] == "validate_error" and "line 1" in bad["message"]

        form = {"icon": "https://picsum.photos/400", "name": "词典", "openapi_schema": COURSE_DOC,
                "headers": [{"key": "Authorization", "value": HEADER_SECRET}]}
        created = http.post("/api-tools", headers=auth, json=form).json()
        assert created["code"] == "success", created
        pid = created["data"]["id"]

        listing = http.get("/api-tools", headers=auth, params={"current_page": 1, "page_size": 20,
                                                                "search_word": ""}).json()["data"]
        assert [p["name"] for p in listing["list"]] == ["词典"]  # the broken one left nothing
        assert [t["name"] for t in listing["list"][0]["tools"]] == ["YoudaoSuggest", "SaveWord", "GetWord"]

        detail = http.get(f"/api-tools/{pid}", headers=auth).json()["data"]
        assert detail["openapi_schema"] == COURSE_DOC and HEADER_SECRET not in json.dumps(detail)
        # the edit form is saved back as shown (masked header value): the secret is kept
        saved = http.post(f"/api-tools/{pid}", headers=auth, json={
            "icon": detail["icon"], "name": detail["name"], "openapi_schema": detail["openapi_schema"],
            "headers": detail["headers"]}).json()
        assert saved["code"] == "success", saved

        tool = http.get(f"/api-tools/{pid}/tools/GetWord", headers=auth).json()["data"]
        assert tool["inputs"][0] == {"name": "word", "type": "str", "description": "单词", "required": True}

        assert http.get(f"/api-tools/{pid}", headers=other_auth).json()["code"] == "not_found"
        assert http.post(f"/api-tools/{pid}/delete", headers=other_auth).json()["code"] == "not_found"

        # the stored header is still the real secret, and a loopback API is refused by the real guard
        with LocalHTTPServer({"GET /dict": lambda r: json_response({"seen": r.headers.get("authorization")})}) as api:
            doc = json.loads(COURSE_DOC)
            doc["server"] = api.url
            assert http.post(f"/api-tools/{pid}", headers=auth, json={
                **form, "openapi_schema": json.dumps(doc), "headers": detail["headers"]}).json()["code"] == "success"
            with live_server.app.app_context():
                resolver = live_server.app.extensions["injector"].get(ToolResolverService)
                tool = resolver.resolve(ToolRef(type=ToolType.API, provider_id=pid, tool_id="YoudaoSuggest"),
                                        ToolCallContext(account_id=account_id))
                headers = dict(tool.prepare({"q": "x"}).headers)
                result = tool.invoke({"q": "x"})
            assert headers["Authorization"] == HEADER_SECRET
            assert not result.ok and "not allowed" in result.text
            assert api.requests == []

        assert http.post(f"/api-tools/{pid}/delete", headers=auth).json()["code"] == "success"
        assert http.get("/api-tools", headers=auth).json()["data"]["list"] == []

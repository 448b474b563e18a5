"""Console routes of builtin tools as the console reads them (§1.5), icons, credentials, tenants."""
from __future__ import annotations

from sqlalchemy import select

from internal.model.builtin_tool import BuiltinToolCredential
from pkg.sqlalchemy import SQLAlchemy
from test.integration.tools.conftest import WEATHER_KEY


def test_providers_list_with_tools_and_millisecond_timestamps(tconsole):
    body = tconsole.get("/builtin-tools")
    assert body["code"] == "success"
    providers = {p["name"]: p for p in body["data"]}
    assert len(providers) >= 6 and sum(len(p["tools"]) for p in providers.values()) >= 12
    time_p = providers["time"]
    assert time_p["label"] == "时间" and time_p["label_en"] == "Time"
    assert time_p["icon"] == "/builtin-tools/time/icon" and time_p["category"] == "tool"
    assert time_p["created_at"] == 1722498386000  # milliseconds: the console renders moment(x)
    tool = next(t for t in time_p["tools"] if t["name"] == "current_time")
    assert tool["inputs"] == [{"name": "timezone", "description": tool["inputs"][0]["description"], "required": False,
                               "type": "str"}]
    weather = providers["weather"]
    assert weather["credentials"][0]["name"] == "api_key" and weather["credentials"][0]["type"] == "secret"


def test_categories_carry_trusted_svg(tconsole):
    cats = tconsole.get("/builtin-tools/categories")["data"]
    assert {c["category"] for c in cats} >= {"search", "image", "weather", "tool", "other"}
    for c in cats:
        assert c["icon"].startswith("<svg") and "<script" not in c["icon"] and c["name"]


def test_tool_detail_shape(tconsole):
    data = tconsole.get("/builtin-tools/dalle/tools/dalle3")["data"]
    assert data["provider"]["name"] == "dalle" and data["provider"]["category"] == "image"
    assert set(data["provider"]) >= {"name", "label", "description", "background", "category", "icon"}
    assert data["name"] == "dalle3" and data["created_at"] == 1722498386000
    size = data["params"][0]
    assert size["name"] == "size" and size["type"] == "select" and size["default"] == "1024x1024"
    assert {"value": "1792x1024", "label": "1792x1024"} in size["options"]
    assert data["inputs"][0] == {"name": "prompt", "description": data["inputs"][0]["description"],
                                 "required": True, "type": "str"}
    assert tconsole.get("/builtin-tools/dalle/tools/nope")["code"] == "not_found"
    assert tconsole.get("/builtin-tools/nope/tools/dalle3")["code"] == "not_found"


def test_icons_are_public_with_content_type_and_cache_headers(tools_app):
    http = tools_app.test_client()
    r = http.get("/builtin-tools/weather/icon")
    assert r.status_code == 200 and r.mimetype == "image/svg+xml" and r.data.startswith(b"<svg")
    assert "max-age=86400" in r.headers["Cache-Control"]
    missing = http.get("/builtin-tools/nope/icon")
    assert missing.status_code == 200 and missing.get_json()["code"] == "not_found"
    assert http.get("/builtin-tools/..%2F..%2Fconfig/icon").get_json()["code"] == "not_found"


def test_lists_need_login(tools_app):
    assert tools_app.test_client().get("/builtin-tools").get_json()["code"] == "unauthorized"


def test_credentials_are_encrypted_masked_and_per_tenant(tools_app, tconsole, other_tconsole):
    empty = tconsole.get("/builtin-tools/weather/credentials")["data"]
    assert empty == {"provider": "weather", "fields": ["api_key"], "configured": False, "config": {}, "updated_at": 0}
    saved = tconsole.post("/builtin-tools/weather/credentials", json={"config": {"api_key": WEATHER_KEY}})["data"]
    assert saved["configured"] and saved["config"]["api_key"] != WEATHER_KEY and saved["config"]["api_key"].endswith(
        WEATHER_KEY[-4:])
    assert WEATHER_KEY not in str(tconsole.get("/builtin-tools/weather/credentials"))
    assert WEATHER_KEY not in str(tconsole.get("/builtin-tools"))
    db = tools_app.extensions["injector"].get(SQLAlchemy)
    with tools_app.app_context():
        row = db.session.scalar(select(BuiltinToolCredential))
        assert WEATHER_KEY not in row.encrypted_config and WEATHER_KEY not in row.masked_config
    # another tenant sees nothing and cannot delete it
    assert other_tconsole.get("/builtin-tools/weather/credentials")["data"]["configured"] is False
    assert other_tconsole.post("/builtin-tools/weather/credentials/delete")["code"] == "not_found"
    assert tconsole.get("/builtin-tools/weather/credentials")["data"]["configured"] is True
    assert tconsole.post("/builtin-tools/weather/credentials/delete")["code"] == "success"
    assert tconsole.get("/builtin-tools/weather/credentials")["data"]["configured"] is False


def test_bad_credentials_are_validation_errors_and_write_nothing(tools_app, tconsole):
    for payload in ({"config": {"api_key": ""}}, {"config": {"token": "x"}}, {"config": {"api_key": 5}},
                    {"config": "x"}, {}, {"config": {"api_key": "k" * 5000}}):
        assert tconsole.post("/builtin-tools/weather/credentials", json=payload)["code"] == "validate_error", payload
    assert tconsole.post("/builtin-tools/time/credentials", json={"config": {}})["code"] == "validate_error"
    assert tconsole.post("/builtin-tools/nope/credentials", json={"config": {}})["code"] == "not_found"
    db = tools_app.extensions["injector"].get(SQLAlchemy)
    with tools_app.app_context():
        assert db.session.scalar(select(BuiltinToolCredential)) is None

"""/apps CRUD, copy, listing (paginator, search) on both databases, and tenant isolation."""
from __future__ import annotations

from test.conftest import ConsoleClient, make_account

from .helpers import ICON, create_app


def test_create_list_search_update_copy_delete(db_app):
    c = ConsoleClient(db_app, make_account(db_app))
    ids = [create_app(c, f"应用 {i}") for i in range(3)]
    page = c.get("/apps", query_string={"current_page": 1, "page_size": 2, "search_word": ""})["data"]
    assert page["paginator"] == {"total_page": 2, "total_record": 3, "current_page": 1, "page_size": 2}
    first = page["list"][0]
    assert first["id"] == ids[2]  # newest first
    assert set(first) == {"id", "name", "icon", "description", "preset_prompt", "model_config", "status",
                          "updated_at", "created_at"}
    assert first["model_config"] == {"provider": "openai", "model": "gpt-4o-mini"} and first["status"] == "draft"
    assert c.get("/apps", query_string={"current_page": 2, "page_size": 2})["data"]["list"][0]["id"] == ids[0]
    assert [a["id"] for a in c.get("/apps", query_string={"search_word": "用 1"})["data"]["list"]] == [ids[1]]
    assert c.get("/apps", query_string={"search_word": "%"})["data"]["list"] == []  # LIKE wildcards are literal

    detail = c.get(f"/apps/{ids[0]}")["data"]
    assert detail["debug_conversation_id"] == "" and detail["status"] == "draft"
    assert detail["draft_updated_at"] > 0 and detail["name"] == "应用 0"
    assert c.post(f"/apps/{ids[0]}", json={"name": "改名", "icon": ICON, "description": "新描述"})["code"] == "success"
    assert c.get(f"/apps/{ids[0]}")["data"]["description"] == "新描述"

    c.post(f"/apps/{ids[0]}/draft-app-config", json={"preset_prompt": "你是客服"})
    copy_id = c.post(f"/apps/{ids[0]}/copy")["data"]["id"]
    assert copy_id != ids[0]
    assert c.get(f"/apps/{copy_id}")["data"]["name"] == "改名 copy"
    assert c.get(f"/apps/{copy_id}/draft-app-config")["data"]["preset_prompt"] == "你是客服"

    assert c.post(f"/apps/{ids[0]}/delete")["code"] == "success"
    assert c.get(f"/apps/{ids[0]}")["code"] == "not_found"
    assert c.get(f"/apps/{copy_id}")["code"] == "success"


def test_create_and_update_validation(db_app):
    c = ConsoleClient(db_app, make_account(db_app))
    for body, field in [
        ({"icon": ICON}, "name"),
        ({"name": "   ", "icon": ICON}, "name"),
        ({"name": "x" * 41, "icon": ICON}, "name"),
        ({"name": "ok"}, "icon"),
        ({"name": "ok", "icon": "javascript:alert(1)"}, "icon"),
        ({"name": "ok", "icon": ICON, "description": "d" * 801}, "description"),
    ]:
        resp = c.post("/apps", json=body)
        assert resp["code"] == "validate_error" and resp["message"].startswith(field), (body, resp)
    assert c.get("/apps", query_string={"page_size": 51})["code"] == "validate_error"
    assert c.get("/apps")["data"]["paginator"]["total_record"] == 0  # nothing written
    assert c.get("/apps/not-a-uuid")["code"] == "not_found"


def test_another_account_can_touch_nothing(console, other_console):
    app_id = create_app(console)
    console.post(f"/apps/{app_id}/publish")
    o = other_console
    assert o.get("/apps")["data"]["list"] == []
    for method, path, body in [
        ("GET", f"/apps/{app_id}", None),
        ("POST", f"/apps/{app_id}", {"name": "hijack", "icon": ICON}),
        ("POST", f"/apps/{app_id}/copy", None),
        ("POST", f"/apps/{app_id}/delete", None),
        ("GET", f"/apps/{app_id}/draft-app-config", None),
        ("POST", f"/apps/{app_id}/draft-app-config", {"preset_prompt": "mine"}),
        ("POST", f"/apps/{app_id}/publish", None),
        ("POST", f"/apps/{app_id}/cancel-publish", None),
        ("GET", f"/apps/{app_id}/publish-histories", None),
        ("GET", f"/apps/{app_id}/published-config", None),
        ("POST", f"/apps/{app_id}/published-config/regenerate-web-app-token", None),
        ("GET", f"/apps/{app_id}/summary", None),
        ("POST", f"/apps/{app_id}/summary", {"summary": "x"}),
        ("GET", f"/apps/{app_id}/conversations/messages", None),
        ("POST", f"/apps/{app_id}/conversations/delete-debug-conversation", None),
        ("GET", f"/analysis/{app_id}", None),
    ]:
        resp = o.call(method, path, json=body) if body is not None else o.call(method, path)
        assert resp["code"] == "not_found", (method, path, resp)
    detail = console.get(f"/apps/{app_id}")["data"]
    assert detail["name"] == "客服助手" and detail["status"] == "published"
    assert console.get(f"/apps/{app_id}/draft-app-config")["data"]["preset_prompt"] == ""
    histories = console.get(f"/apps/{app_id}/publish-histories")["data"]["list"]
    assert [h["version"] for h in histories] == [1]


# The console route table's app groups (docs/apps.md), chat and stop routes excepted (chat runtime).
APP_ROUTES = """
GET /analysis/<uuid:app_id>
GET /apps
GET /apps/<uuid:app_id>
GET /apps/<uuid:app_id>/conversations/messages
GET /apps/<uuid:app_id>/draft-app-config
GET /apps/<uuid:app_id>/publish-histories
GET /apps/<uuid:app_id>/published-config
GET /apps/<uuid:app_id>/summary
GET /builtin-apps
GET /builtin-apps/categories
GET /conversations/<uuid:conversation_id>/messages
GET /conversations/<uuid:conversation_id>/name
GET /web-apps/<string:token>
GET /web-apps/<string:token>/conversations
POST /apps
POST /apps/<uuid:app_id>
POST /apps/<uuid:app_id>/cancel-publish
POST /apps/<uuid:app_id>/conversations/delete-debug-conversation
POST /apps/<uuid:app_id>/copy
POST /apps/<uuid:app_id>/delete
POST /apps/<uuid:app_id>/draft-app-config
POST /apps/<uuid:app_id>/fallback-history
POST /apps/<uuid:app_id>/publish
POST /apps/<uuid:app_id>/published-config/regenerate-web-app-token
POST /apps/<uuid:app_id>/summary
POST /builtin-apps/add-builtin-app-to-space
POST /conversations/<uuid:conversation_id>/delete
POST /conversations/<uuid:conversation_id>/is-pinned
POST /conversations/<uuid:conversation_id>/messages/<uuid:message_id>/delete
POST /conversations/<uuid:conversation_id>/name
POST /conversations/<uuid:conversation_id>/messages/<uuid:message_id>
"""


def test_every_console_route_of_the_app_groups_is_served(app):
    served = {(m, r.rule) for r in app.url_map.iter_rules() if r.endpoint.startswith("console.")
              for m in r.methods - {"HEAD", "OPTIONS"}}
    wanted = {tuple(line.split()) for line in APP_ROUTES.strip().splitlines()}
    assert wanted - served == set()

"""/builtin-apps: categories, templates with icons we serve, and adding one to the caller's space."""
from __future__ import annotations


def test_store_lists_templates_with_loadable_icons(console, client):
    categories = console.get("/builtin-apps/categories")["data"]
    assert {"category": "assistant", "name": "助手"} in categories
    apps = console.get("/builtin-apps")["data"]
    assert len(apps) >= 4
    assert {a["category"] for a in apps} <= {c["category"] for c in categories}
    for a in apps:
        assert set(a) == {"id", "category", "name", "icon", "description", "model_config", "created_at"}
        assert set(a["model_config"]) == {"provider", "model"} and a["created_at"] > 1_600_000_000
        icon = client.get(a["icon"])  # public: no JWT (the console loads it with <img>)
        assert icon.status_code == 200 and icon.mimetype == "image/svg+xml" and b"<svg" in icon.data
        assert "max-age" in icon.headers.get("Cache-Control", "")
    missing = client.get("/builtin-apps/nope/icon")
    assert missing.status_code == 200 and missing.get_json()["code"] == "not_found"
    assert client.get("/builtin-apps").get_json()["code"] == "unauthorized"


def test_add_a_template_to_the_space(console, other_console):
    template = next(a for a in console.get("/builtin-apps")["data"] if a["id"] == "interview-coach")
    app_id = console.post("/builtin-apps/add-builtin-app-to-space", json={"builtin_app_id": "interview-coach"})["data"]["id"]
    app = console.get(f"/apps/{app_id}")["data"]
    assert app["name"] == template["name"] and app["icon"] == template["icon"] and app["status"] == "draft"
    draft = console.get(f"/apps/{app_id}/draft-app-config")["data"]
    assert draft["model_config"]["provider"] == "openai" and draft["preset_prompt"].startswith("# 角色")
    assert len(draft["opening_questions"]) == 3 and draft["dialog_round"] == 5
    # the copy is the caller's own app: editable, invisible to others
    assert console.post(f"/apps/{app_id}/draft-app-config", json={"dialog_round": 2})["code"] == "success"
    assert other_console.get(f"/apps/{app_id}")["code"] == "not_found"
    assert console.post("/builtin-apps/add-builtin-app-to-space", json={"builtin_app_id": "nope"})["code"] == "not_found"
    assert console.post("/builtin-apps/add-builtin-app-to-space", json={})["code"] == "validate_error"
    assert console.get("/apps")["data"]["paginator"]["total_record"] == 1

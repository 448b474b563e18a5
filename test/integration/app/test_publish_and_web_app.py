"""Publish → history → fallback round trip, cancel publish, web-app token, the web app by token."""
from __future__ import annotations

from .helpers import create_app


def draft(console, app_id):
    return console.get(f"/apps/{app_id}/draft-app-config")["data"]


def test_publish_history_fallback_round_trip(console):
    app_id = create_app(console)
    console.post(f"/apps/{app_id}/draft-app-config", json={"preset_prompt": "v1 prompt", "opening_statement": "hi"})
    assert console.post(f"/apps/{app_id}/publish")["code"] == "success"
    assert console.get(f"/apps/{app_id}")["data"]["status"] == "published"
    console.post(f"/apps/{app_id}/draft-app-config", json={"preset_prompt": "v2 prompt"})
    console.post(f"/apps/{app_id}/publish")
    console.post(f"/apps/{app_id}/draft-app-config", json={"preset_prompt": "unpublished edit"})

    page = console.get(f"/apps/{app_id}/publish-histories", query_string={"current_page": 1, "page_size": 1})["data"]
    assert page["paginator"] == {"total_page": 2, "total_record": 2, "current_page": 1, "page_size": 1}
    assert page["list"][0]["version"] == 2 and set(page["list"][0]) == {"id", "version", "created_at"}
    v1 = console.get(f"/apps/{app_id}/publish-histories", query_string={"current_page": 2, "page_size": 1})["data"]["list"][0]
    assert v1["version"] == 1

    # the list shows the live (published) config, not the newer draft
    assert console.get("/apps")["data"]["list"][0]["preset_prompt"] == "v2 prompt"

    assert console.post(f"/apps/{app_id}/fallback-history", json={"app_config_version_id": v1["id"]})["code"] == "success"
    assert draft(console, app_id)["preset_prompt"] == "v1 prompt"
    # the history is untouched by a fallback; publishing again adds version 3
    console.post(f"/apps/{app_id}/publish")
    versions = [h["version"] for h in console.get(f"/apps/{app_id}/publish-histories")["data"]["list"]]
    assert versions == [3, 2, 1]

    for bad in ({"app_config_version_id": "nope"}, {}):
        assert console.post(f"/apps/{app_id}/fallback-history", json=bad)["code"] == "validate_error"
    other_app = create_app(console, "另一个")
    console.post(f"/apps/{other_app}/publish")
    foreign = console.get(f"/apps/{other_app}/publish-histories")["data"]["list"][0]["id"]
    assert console.post(f"/apps/{app_id}/fallback-history", json={"app_config_version_id": foreign})["code"] == "not_found"
    draft_row = draft(console, app_id)["id"]  # the draft row is not a history version
    assert console.post(f"/apps/{app_id}/fallback-history", json={"app_config_version_id": draft_row})["code"] == "not_found"


def test_publish_revalidates_the_draft(console):
    dataset_id = console.post("/datasets", json={"name": "kb", "icon": "", "description": ""})["data"]["id"]
    app_id = create_app(console)
    console.post(f"/apps/{app_id}/draft-app-config", json={"datasets": [dataset_id]})
    console.post(f"/apps/{app_id}/publish")
    console.post(f"/datasets/{dataset_id}/delete")
    resp = console.post(f"/apps/{app_id}/publish")
    assert resp["code"] == "validate_error" and resp["message"].startswith("datasets.0")
    assert [h["version"] for h in console.get(f"/apps/{app_id}/publish-histories")["data"]["list"]] == [1]
    v1 = console.get(f"/apps/{app_id}/publish-histories")["data"]["list"][0]["id"]
    resp = console.post(f"/apps/{app_id}/fallback-history", json={"app_config_version_id": v1})
    assert resp["code"] == "validate_error" and "datasets.0" in resp["message"]


def test_web_app_by_token(console, other_console):
    app_id = create_app(console, "导购")
    console.post(f"/apps/{app_id}/draft-app-config", json={"opening_statement": "欢迎", "opening_questions": ["有什么新品？"]})
    assert console.get(f"/apps/{app_id}/published-config")["data"] == {"web_app": {"token": "", "status": "draft"}}
    assert console.post(f"/apps/{app_id}/published-config/regenerate-web-app-token")["code"] == "fail"
    console.post(f"/apps/{app_id}/publish")
    token = console.get(f"/apps/{app_id}/published-config")["data"]["web_app"]["token"]
    assert len(token) >= 16

    # the draft changes after publishing; the web app shows the published config
    console.post(f"/apps/{app_id}/draft-app-config", json={"opening_statement": "草稿里的新开场白"})
    web = other_console.get(f"/web-apps/{token}")["data"]  # any signed-in visitor
    assert web == {"id": app_id, "icon": web["icon"], "name": "导购", "description": "回答售后问题",
                   "app_config": {"opening_statement": "欢迎", "opening_questions": ["有什么新品？"],
                                  "suggested_after_answer": {"enable": True},
                                  "text_to_speech": {"enable": False, "voice": "echo", "auto_play": False},
                                  "speech_to_text": {"enable": False},
                                  "features": ["tool_call", "agent_thought", "image_input"]}}

    new_token = console.post(f"/apps/{app_id}/published-config/regenerate-web-app-token")["data"]["token"]
    assert new_token != token
    assert console.get(f"/web-apps/{token}")["code"] == "not_found"
    assert console.get(f"/web-apps/{new_token}")["code"] == "success"

    assert console.post(f"/apps/{app_id}/cancel-publish")["code"] == "success"
    assert console.post(f"/apps/{app_id}/cancel-publish")["code"] == "fail"
    assert console.get(f"/web-apps/{new_token}")["code"] == "not_found"
    assert console.get(f"/web-apps/{new_token}/conversations")["code"] == "not_found"
    assert console.get(f"/apps/{app_id}")["data"]["status"] == "draft"
    assert console.get("/web-apps/" + "x" * 100)["code"] == "not_found"
    # the history stays after cancelling
    assert len(console.get(f"/apps/{app_id}/publish-histories")["data"]["list"]) == 1


def test_web_app_needs_a_signed_in_visitor(console, client):
    app_id = create_app(console)
    console.post(f"/apps/{app_id}/publish")
    token = console.get(f"/apps/{app_id}/published-config")["data"]["web_app"]["token"]
    resp = client.get(f"/web-apps/{token}")
    assert resp.status_code == 200 and resp.get_json()["code"] == "unauthorized"

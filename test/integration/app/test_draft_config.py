"""Draft configuration: the console's partial posts (bodies as llmops-ui sends them), the GET
shape, the validation table, references to owned resources only, nothing written on error."""
from __future__ import annotations

import json

import pytest
from flask_migrate import upgrade

from app.http.app import create_app as create_flask_app
from test.conftest import ConsoleClient, make_account
from test.support.environment import make_test_config

from .helpers import create_app

CONSOLE_KEYS = {"id", "model_config", "dialog_round", "preset_prompt", "tools", "workflows", "datasets",
                "retrieval_config", "long_term_memory", "opening_statement", "opening_questions",
                "speech_to_text", "text_to_speech", "suggested_after_answer", "review_config", "updated_at",
                "created_at"}


def make_dataset(console, name="售后知识库") -> str:
    return console.post("/datasets", json={"name": name, "icon": "https://cdn.example.com/d.png",
                                           "description": "退换货政策"})["data"]["id"]


def test_console_posts_each_ability_on_its_own(console):
    app_id = create_app(console)
    draft = console.get(f"/apps/{app_id}/draft-app-config")["data"]
    assert set(draft) == CONSOLE_KEYS
    assert draft["model_config"]["provider"] == "openai" and draft["model_config"]["parameters"]["max_tokens"] == 1024
    dataset_id = make_dataset(console)
    # the bodies of ModelConfig.vue, PresetPromptTextarea.vue and the abilities/*.vue items
    bodies = [
        {"model_config": {"provider": "deepseek", "model": "deepseek-chat", "parameters": {"temperature": 0.5}},
         "dialog_round": 6},
        {"preset_prompt": "# 角色\n你是售后客服。"},
        {"datasets": [dataset_id]},
        {"retrieval_config": {"retrieval_strategy": "hybrid", "k": 4, "score": 0.2}},
        {"long_term_memory": {"enable": True}},
        {"opening_statement": "你好，我是售后客服"},
        {"opening_questions": ["怎么退货？", "运费谁出？"]},
        {"suggested_after_answer": {"enable": False}},
        {"speech_to_text": {"enable": True}},
        {"text_to_speech": {"enable": True, "voice": "alloy", "auto_play": True}},
        {"review_config": {"enable": True, "keywords": ["傻", "笨", "傻"],
                           "inputs_config": {"enable": True, "preset_response": "请文明用语"},
                           "outputs_config": {"enable": True}}},
        {"tools": []},
        {"workflows": []},
    ]
    for body in bodies:
        resp = console.post(f"/apps/{app_id}/draft-app-config", json=body)
        assert resp["code"] == "success", (body, resp)
    draft = console.get(f"/apps/{app_id}/draft-app-config")["data"]
    assert draft["model_config"] == {"provider": "deepseek", "model": "deepseek-chat", "parameters": {"temperature": 0.5}}
    assert draft["dialog_round"] == 6 and draft["preset_prompt"].startswith("# 角色")
    assert draft["datasets"] == [{"id": dataset_id, "name": "售后知识库", "icon": "https://cdn.example.com/d.png",
                                  "description": "退换货政策"}]
    assert draft["retrieval_config"] == {"retrieval_strategy": "hybrid", "k": 4, "score": 0.2}
    assert draft["long_term_memory"] == {"enable": True} and draft["suggested_after_answer"] == {"enable": False}
    assert draft["opening_questions"] == ["怎么退货？", "运费谁出？"]
    assert draft["text_to_speech"] == {"enable": True, "voice": "alloy", "auto_play": True}
    assert draft["review_config"]["keywords"] == ["傻", "笨"]  # duplicates collapse
    # the UI type names the model key `model`
    assert console.post(f"/apps/{app_id}/draft-app-config", json={
        "model": {"provider": "openai", "model": "gpt-4o", "parameters": {}}})["code"] == "success"
    assert console.get(f"/apps/{app_id}/draft-app-config")["data"]["model_config"]["model"] == "gpt-4o"
    # a deleted dataset drops out of the view (and publishing names it, see test_publish)
    console.post(f"/datasets/{dataset_id}/delete")
    assert console.get(f"/apps/{app_id}/draft-app-config")["data"]["datasets"] == []


VALIDATION_TABLE = [
    ({"model_config": {"provider": "nope", "model": "x"}}, "model_config.provider"),
    ({"model_config": {"provider": "openai", "model": "gpt-99"}}, "model_config.model"),
    ({"model_config": {"provider": "openai", "model": "text-embedding-3-small"}}, "model_config.model"),
    ({"model_config": {"provider": "openai", "model": "gpt-4o-mini", "parameters": {"temperature": 9}}},
     "model_config.parameters.temperature"),
    ({"model_config": {"provider": "openai", "model": "gpt-4o-mini", "parameters": {"temperature": "hot"}}},
     "model_config.parameters.temperature"),
    ({"model_config": {"provider": "openai", "model": "gpt-4o-mini", "parameters": {"seed_of_doom": 1}}},
     "model_config.parameters.seed_of_doom"),
    ({"model_config": {"provider": "openai"}}, "model_config.model"),
    ({"model": {"provider": "openai", "model": "gpt-4o"}, "model_config": {"provider": "openai", "model": "gpt-4o"}},
     "send either"),
    ({"preset_prompt": "x" * 2001}, "preset_prompt"),
    ({"dialog_round": -1}, "dialog_round"),
    ({"dialog_round": 101}, "dialog_round"),
    ({"dialog_round": None}, "dialog_round"),
    ({"opening_statement": "x" * 2001}, "opening_statement"),
    ({"opening_questions": ["a", "b", "c", "d"]}, "opening_questions"),
    ({"opening_questions": ["  "]}, "opening_questions"),
    ({"tools": [{"type": "builtin_tool", "provider_id": "time", "tool_id": f"t{i}", "params": {}} for i in range(6)]},
     "tools"),
    ({"tools": [{"type": "builtin_tool", "provider_id": "time", "tool_id": "current_time", "params": {}}] * 2},
     "tools"),
    ({"tools": [{"type": "shell", "provider_id": "x", "tool_id": "y", "params": {}}]}, "tools.0.type"),
    ({"tools": [{"type": "builtin_tool", "provider_id": "no_such_provider", "tool_id": "x", "params": {}}]},
     "tools.0"),
    ({"datasets": ["not-a-uuid"]}, "datasets.0"),
    ({"datasets": ["0b3c0f5e-8a8f-4a49-9a53-7c0c2f7b0f11"]}, "datasets.0"),
    ({"datasets": [f"0b3c0f5e-8a8f-4a49-9a53-7c0c2f7b0f1{i}" for i in range(6)]}, "datasets"),
    ({"workflows": ["0b3c0f5e-8a8f-4a49-9a53-7c0c2f7b0f11"]}, "workflows.0"),
    ({"workflows": [f"0b3c0f5e-8a8f-4a49-9a53-7c0c2f7b0f1{i}" for i in range(6)]}, "workflows"),
    ({"retrieval_config": {"retrieval_strategy": "semantic", "k": 11, "score": 0.5}}, "retrieval_config.k"),
    ({"retrieval_config": {"retrieval_strategy": "semantic", "k": 3, "score": 1.5}}, "retrieval_config.score"),
    ({"retrieval_config": {"retrieval_strategy": "telepathy", "k": 3, "score": 0.5}},
     "retrieval_config.retrieval_strategy"),
    ({"review_config": {"enable": True, "keywords": [], "inputs_config": {"enable": True, "preset_response": "x"},
                        "outputs_config": {"enable": False}}}, "review_config"),
    ({"review_config": {"enable": False, "keywords": [f"k{i}" for i in range(101)],
                        "inputs_config": {"enable": False, "preset_response": ""}, "outputs_config": {"enable": False}}},
     "review_config.keywords"),
    ({"review_config": {"enable": True, "keywords": ["a"], "inputs_config": {"enable": True, "preset_response": ""},
                        "outputs_config": {"enable": False}}}, "review_config"),
    ({"long_term_memory": {"enable": "yes please"}}, "long_term_memory.enable"),
    ({"long_term_memory": {"enable": True, "extra": 1}}, "long_term_memory.extra"),
    ({"speech_to_text": "on"}, "speech_to_text"),
    ({"favourite_colour": "blue"}, "favourite_colour"),
    ({}, "nothing to update"),
]


@pytest.mark.parametrize(("body", "field"), VALIDATION_TABLE)
def test_validation_table(console, body, field):
    app_id = create_app(console)
    before = console.get(f"/apps/{app_id}/draft-app-config")["data"]
    resp = console.post(f"/apps/{app_id}/draft-app-config", json=body)
    assert resp["code"] == "validate_error", resp
    assert resp["message"].startswith(field), resp["message"]
    assert console.get(f"/apps/{app_id}/draft-app-config")["data"] == before  # nothing written


def test_a_failing_key_blocks_the_others_in_the_same_post(console):
    app_id = create_app(console)
    resp = console.post(f"/apps/{app_id}/draft-app-config", json={"preset_prompt": "new", "dialog_round": 500})
    assert resp["code"] == "validate_error"
    assert console.get(f"/apps/{app_id}/draft-app-config")["data"]["preset_prompt"] == ""


def test_customizable_provider_takes_any_model_with_common_parameters(console):
    app_id = create_app(console)
    ok = console.post(f"/apps/{app_id}/draft-app-config", json={
        "model_config": {"provider": "ollama", "model": "my-finetune:7b", "parameters": {"temperature": 0.3}}})
    assert ok["code"] == "success"
    bad = console.post(f"/apps/{app_id}/draft-app-config", json={
        "model_config": {"provider": "ollama", "model": "my-finetune:7b", "parameters": {"temperature": 5}}})
    assert bad["code"] == "validate_error"


def test_another_accounts_dataset_cannot_be_referenced(console, other_console):
    theirs = make_dataset(other_console, "别人的知识库")
    mine = make_dataset(console)
    app_id = create_app(console)
    resp = console.post(f"/apps/{app_id}/draft-app-config", json={"datasets": [mine, theirs]})
    assert resp["code"] == "validate_error" and resp["message"].startswith("datasets.1")
    assert resp["data"]["errors"][0]["field"] == "datasets.1"
    assert console.get(f"/apps/{app_id}/draft-app-config")["data"]["datasets"] == []


def test_builtin_tools_resolve_through_the_tool_layer_and_show_as_the_console_reads_them(console):
    app_id = create_app(console)
    tools = [{"type": "builtin_tool", "provider_id": "time", "tool_id": "current_time", "params": {}},
             {"type": "builtin_tool", "provider_id": "weather", "tool_id": "current_weather",
              "params": {"units": "imperial"}}]
    assert console.post(f"/apps/{app_id}/draft-app-config", json={"tools": tools})["code"] == "success"
    shown = console.get(f"/apps/{app_id}/draft-app-config")["data"]["tools"]
    assert [t["type"] for t in shown] == ["builtin_tool", "builtin_tool"]
    assert set(shown[0]["provider"]) == {"id", "name", "label", "icon", "description"}
    assert set(shown[0]["tool"]) == {"id", "name", "label", "description", "params"}
    assert shown[0]["provider"]["id"] == "time" and shown[0]["tool"]["name"] == "current_time"
    assert shown[1]["tool"]["params"] == {"units": "imperial"}
    icon = shown[0]["provider"]["icon"]
    assert icon == "/builtin-tools/time/icon"  # no API_PUBLIC_BASE_URL configured: relative to the API root
    assert console.http.get(icon).status_code == 200  # the console can load it (public)
    # the console posts back what it read: provider.id + tool.name
    echoed = [{"type": t["type"], "provider_id": t["provider"]["id"], "tool_id": t["tool"]["name"],
               "params": t["tool"]["params"]} for t in shown]
    assert console.post(f"/apps/{app_id}/draft-app-config", json={"tools": echoed})["code"] == "success"

    bad = [tools[0], {**tools[1], "params": {"units": "kelvin"}}]
    resp = console.post(f"/apps/{app_id}/draft-app-config", json={"tools": bad})
    assert resp["code"] == "validate_error" and resp["message"].startswith("tools.1"), resp
    unknown = [{"type": "builtin_tool", "provider_id": "time", "tool_id": "time_travel", "params": {}}]
    resp = console.post(f"/apps/{app_id}/draft-app-config", json={"tools": unknown})
    assert resp["code"] == "validate_error" and resp["message"].startswith("tools.0")
    assert len(console.get(f"/apps/{app_id}/draft-app-config")["data"]["tools"]) == 2


def test_icon_urls_use_the_configured_public_base(tmp_path):
    """An app of its own, configured with API_PUBLIC_BASE_URL; the request's Host plays no part."""
    app = create_flask_app(make_test_config(tmp_path, API_PUBLIC_BASE_URL="https://llmops.example.com/api/"))
    with app.app_context():
        upgrade()
    console = ConsoleClient(app, make_account(app))
    app_id = create_app(console)
    console.post(f"/apps/{app_id}/draft-app-config", json={"tools": [
        {"type": "builtin_tool", "provider_id": "time", "tool_id": "current_time", "params": {}}]})
    tool = console.get(f"/apps/{app_id}/draft-app-config", headers={"Host": "evil.example"})["data"]["tools"][0]
    assert tool["provider"]["icon"] == "https://llmops.example.com/api/builtin-tools/time/icon"
    store = console.get("/builtin-apps", headers={"Host": "evil.example"})["data"]
    assert all(b["icon"].startswith("https://llmops.example.com/api/builtin-apps/") for b in store)


COURSE_DIALECT_SCHEMA = json.dumps({
    "server": "https://dict.example.com", "description": "词典工具",
    "paths": {"/dict": {"get": {"operationId": "YoudaoSuggest", "description": "查询单词的建议释义",
                                "parameters": [{"name": "q", "in": "query", "description": "单词",
                                                "required": True, "type": "str"}]}}},
})


def test_api_tools_are_the_callers_own(console, other_console):
    created = console.post("/api-tools", json={"name": "词典", "icon": "https://icons.example.com/dict.png",
                                               "openapi_schema": COURSE_DIALECT_SCHEMA})
    assert created["code"] == "success", created
    provider_id = created["data"]["id"]
    ref = {"type": "api_tool", "provider_id": provider_id, "tool_id": "YoudaoSuggest", "params": {}}
    mine = create_app(console)
    assert console.post(f"/apps/{mine}/draft-app-config", json={"tools": [ref]})["code"] == "success"
    shown = console.get(f"/apps/{mine}/draft-app-config")["data"]["tools"]
    assert shown == [{"type": "api_tool",
                      "provider": {"id": provider_id, "name": "词典", "label": "词典",
                                   "icon": "https://icons.example.com/dict.png", "description": "词典工具"},
                      "tool": {"id": "YoudaoSuggest", "name": "YoudaoSuggest", "label": "YoudaoSuggest",
                               "description": shown[0]["tool"]["description"], "params": {}}}]
    assert "建议" in shown[0]["tool"]["description"]
    # another account cannot reference it, by the same id
    theirs = create_app(other_console)
    resp = other_console.post(f"/apps/{theirs}/draft-app-config", json={"tools": [ref]})
    assert resp["code"] == "validate_error" and resp["message"].startswith("tools.0"), resp
    assert other_console.get(f"/apps/{theirs}/draft-app-config")["data"]["tools"] == []
    # an unknown operation of my own provider is not a tool either
    resp = console.post(f"/apps/{mine}/draft-app-config", json={"tools": [{**ref, "tool_id": "DropTables"}]})
    assert resp["code"] == "validate_error" and resp["message"].startswith("tools.0")
    # a deleted provider drops out of the view and blocks publishing
    console.post(f"/api-tools/{provider_id}/delete")
    assert console.get(f"/apps/{mine}/draft-app-config")["data"]["tools"] == []
    resp = console.post(f"/apps/{mine}/publish")
    assert resp["code"] == "validate_error" and resp["message"].startswith("tools.0")


def test_abilities_saved_at_the_same_time_keep_each_others_keys(console):
    """The console saves abilities independently; concurrent partial posts must all land."""
    from concurrent.futures import ThreadPoolExecutor

    app_id = create_app(console)
    bodies = [{"preset_prompt": "prompt"}, {"opening_statement": "hello"}, {"dialog_round": 9},
              {"long_term_memory": {"enable": True}}, {"suggested_after_answer": {"enable": False}},
              {"opening_questions": ["q?"]}, {"speech_to_text": {"enable": True}},
              {"retrieval_config": {"retrieval_strategy": "full_text", "k": 2, "score": 0.1}}]

    def post(body):
        client = ConsoleClient(console.app, console.account)  # a client (and connection) per thread
        return client.post(f"/apps/{app_id}/draft-app-config", json=body)["code"]

    for _ in range(3):
        with ThreadPoolExecutor(len(bodies)) as pool:
            assert list(pool.map(post, bodies)) == ["success"] * len(bodies)
        draft = console.get(f"/apps/{app_id}/draft-app-config")["data"]
        for body in bodies:
            for key, value in body.items():
                assert draft[key] == value, key
        console.post(f"/apps/{app_id}/draft-app-config", json={
            "preset_prompt": "", "opening_statement": "", "dialog_round": 3, "long_term_memory": {"enable": False},
            "suggested_after_answer": {"enable": True}, "opening_questions": [], "speech_to_text": {"enable": False},
            "retrieval_config": {"retrieval_strategy": "semantic", "k": 10, "score": 0.5}})


def test_concurrent_publishes_number_versions_uniquely(console):
    from concurrent.futures import ThreadPoolExecutor

    app_id = create_app(console)

    def publish(_):
        return ConsoleClient(console.app, console.account).post(f"/apps/{app_id}/publish")["code"]

    with ThreadPoolExecutor(6) as pool:
        assert list(pool.map(publish, range(6))) == ["success"] * 6
    versions = [h["version"] for h in console.get(f"/apps/{app_id}/publish-histories")["data"]["list"]]
    assert versions == [6, 5, 4, 3, 2, 1]
    token = console.get(f"/apps/{app_id}/published-config")["data"]["web_app"]["token"]
    assert console.get(f"/web-apps/{token}")["code"] == "success"

"""Model ids with '/' (OpenRouter's openai/gpt-4o-mini): llmops-ui's model picker joins
`provider/model` and splits on '/', so the console gets ids without '/' that round-trip through
the detail route, the app's draft config and a real call; upstream sees the real name (issue 13)."""
from __future__ import annotations

import json
import urllib.request

import pytest

from app.http.app import create_app
from test.conftest import ConsoleClient, make_account
from test.support.fake_openai.process import start_fake_upstream


@pytest.fixture(scope="module")
def fake_upstream(tmp_path_factory):
    proc, url = start_fake_upstream(tmp_path_factory.mktemp("fake-upstream") / "upstream.log")
    yield url
    proc.stop()


@pytest.fixture
def lconsole(app, pg_config):
    local = create_app(pg_config.model_copy(update={"SSRF_ALLOWED_HOSTS": ["127.0.0.1"]}))
    return ConsoleClient(local, make_account(local))


def _ui_split(value: str) -> list[str]:
    return value.split("/")  # what the console's picker does with `${provider}/${model}`


def test_console_ids_have_no_slash_and_round_trip(console):
    providers = {p["name"]: p for p in console.get("/language-models")["data"]}
    for provider in providers.values():
        for model in provider["models"]:
            assert _ui_split(f"{provider['name']}/{model['model']}") == [provider["name"], model["model"]], model
            assert model["model_name"] == model["model"]
    routed = next(m for m in providers["openrouter"]["models"] if m["upstream_model"] == "openai/gpt-4o-mini")
    assert routed["model"] == "openai__gpt-4o-mini"
    detail = console.get(f"/language-models/openrouter/{routed['model']}")
    assert detail["code"] == "success" and detail["data"]["upstream_model"] == "openai/gpt-4o-mini"
    # the real name keeps working on the detail route too
    assert console.get("/language-models/openrouter/openai/gpt-4o-mini")["data"]["model"] == "openai__gpt-4o-mini"


def test_draft_config_accepts_the_console_id(console):
    app_id = console.post("/apps", json={"name": "router app", "icon": "https://cdn.example.com/i.png",
                                         "description": ""})["data"]["id"]
    body = console.post(f"/apps/{app_id}/draft-app-config", json={"model_config": {
        "provider": "openrouter", "model": "openai__gpt-4o-mini", "parameters": {"temperature": 0.5}}})
    assert body["code"] == "success", body
    stored = console.get(f"/apps/{app_id}/draft-app-config")["data"]["model_config"]
    assert (stored["provider"], stored["model"]) == ("openrouter", "openai__gpt-4o-mini")  # picker finds it again


def test_a_call_with_the_console_id_reaches_upstream_with_the_real_name(lconsole, fake_upstream):
    urllib.request.urlopen(urllib.request.Request(fake_upstream + "/_reset", method="POST"), timeout=5).read()
    ok = lconsole.post("/language-model-credentials/openrouter/test",
                       json={"config": {"base_url": fake_upstream + "/v1", "api_key": "k-123456789"},
                             "model": "openai__gpt-4o-mini"})
    assert ok["code"] == "success", ok
    with urllib.request.urlopen(fake_upstream + "/_stats", timeout=5) as r:
        assert json.load(r)["by_model"] == {"openai/gpt-4o-mini": 1}

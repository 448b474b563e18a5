"""Console routes of the model layer and per-account credentials, on the real app + PostgreSQL."""
from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app.http.app import create_app
from internal.model.language_model import ModelUsage, ProviderCredential
from internal.service.api_key_service import ApiKeyService
from pkg.sqlalchemy import SQLAlchemy
from test.conftest import ConsoleClient, make_account
from test.support.fake_openai.process import start_fake_upstream


@pytest.fixture(scope="module")
def fake_upstream(tmp_path_factory):
    proc, url = start_fake_upstream(tmp_path_factory.mktemp("fake-upstream") / "upstream.log")
    yield url
    proc.stop()


@pytest.fixture(scope="module")
def local_upstream_app(pg_app, pg_config):
    """Same database as `app`, but 127.0.0.1 allow-listed for user-supplied upstream URLs
    (the fake upstream runs there); the default configuration refuses it (see the SSRF test)."""
    return create_app(pg_config.model_copy(update={"SSRF_ALLOWED_HOSTS": ["127.0.0.1"]}))


@pytest.fixture
def lconsole(app, local_upstream_app):
    return ConsoleClient(local_upstream_app, make_account(local_upstream_app))


@pytest.fixture
def other_lconsole(app, local_upstream_app):
    return ConsoleClient(local_upstream_app, make_account(local_upstream_app))


def test_list_providers_and_models(console):
    body = console.get("/language-models")
    assert body["code"] == "success"
    providers = {p["name"]: p for p in body["data"]}
    assert {"openai", "anthropic", "deepseek", "moonshot", "zhipu", "tongyi", "openrouter", "ollama", "vllm",
            "azure_openai", "openai_compatible", "local"} <= set(providers)
    openai = providers["openai"]
    assert openai["label"] == "OpenAI" and "chat" in openai["support_model_types"] and openai["icon"]
    mini = next(m for m in openai["models"] if m["model_name"] == "gpt-4o-mini")
    assert "tool_call" in mini["features"] and mini["context_window"] == 128000
    assert {p["name"] for p in mini["parameters"]} >= {"temperature", "top_p", "max_tokens"}


def test_model_detail_and_not_found(console):
    d = console.get("/language-models/openai/gpt-4o-mini")["data"]
    assert d["model_name"] == "gpt-4o-mini" and d["pricing"]["currency"] == "USD"
    assert console.get("/language-models/openrouter/openai/gpt-4o-mini")["data"]["upstream_model"] == "openai/gpt-4o-mini"
    assert console.get("/language-models/openai/nope")["code"] == "not_found"
    assert console.get("/language-models/nope/gpt-4o")["code"] == "not_found"


def test_catalog_requires_login_but_icons_are_public(client):
    assert client.get("/language-models").get_json()["code"] == "unauthorized"
    r = client.get("/language-models/openai/icon")
    assert r.status_code == 200 and r.mimetype == "image/svg+xml" and b"<svg" in r.data
    r = client.get("/language-models/nope/icon")
    assert r.status_code == 200 and r.get_json()["code"] == "not_found"


def test_credentials_are_encrypted_masked_and_per_tenant(app, console, other_console):
    secret = "sk-live-abcdefghijklmnop1234"
    body = console.post("/language-model-credentials/openai", json={"config": {"api_key": secret}})
    assert body["code"] == "success"
    assert secret not in str(body) and body["data"]["config"]["api_key"].endswith("1234")
    assert body["data"]["config"]["base_url"] == "https://api.openai.com/v1"  # default filled in
    listed = console.get("/language-model-credentials")["data"]
    assert [c["provider"] for c in listed] == ["openai"] and secret not in str(listed)
    assert other_console.get("/language-model-credentials")["data"] == []
    db = app.extensions["injector"].get(SQLAlchemy)
    with app.app_context():
        row = db.session.scalar(select(ProviderCredential).where(ProviderCredential.provider == "openai"))
        assert secret not in row.encrypted_config and secret not in row.masked_config
    # other tenant cannot delete it
    assert other_console.post("/language-model-credentials/openai/delete")["code"] == "not_found"
    assert console.post("/language-model-credentials/openai/delete")["code"] == "success"
    assert console.get("/language-model-credentials")["data"] == []


@pytest.mark.parametrize("provider,config,fragment", [
    ("openai", {"api_key": ""}, "api_key"),
    ("openai", {"api_key": "x", "surprise": "1"}, "surprise"),
    ("openai_compatible", {"base_url": "ftp://x"}, "base_url"),
    ("local", {}, "local"),
    ("nope", {"api_key": "x"}, None),
])
def test_invalid_credentials_are_rejected(console, provider, config, fragment):
    body = console.post(f"/language-model-credentials/{provider}", json={"config": config})
    assert body["code"] in ("validate_error", "not_found")
    if fragment:
        assert fragment in body["message"]
    assert console.get("/language-model-credentials")["data"] == []


def test_credential_test_against_upstream(lconsole, fake_upstream):
    console = lconsole
    ok = console.post("/language-model-credentials/openai_compatible/test",
                      json={"config": {"base_url": fake_upstream + "/v1"}, "model": "fake-gpt"})
    assert ok["code"] == "success" and ok["data"]["ok"] is True
    bad = console.post("/language-model-credentials/openai_compatible/test",
                       json={"config": {"base_url": fake_upstream + "/v1"}, "model": "x-fail-401"})
    assert bad["code"] == "fail" and "credential test failed" in bad["message"]
    # stored credentials: the result is remembered
    console.post("/language-model-credentials/openai_compatible", json={"config": {"base_url": fake_upstream + "/v1",
                                                                                   "api_key": "k-123456789"}})
    assert console.post("/language-model-credentials/openai_compatible/test",
                        json={"model": "fake-gpt"})["code"] == "success"
    (row,) = console.get("/language-model-credentials")["data"]
    assert row["is_valid"] is True and row["last_tested_at"] > 0


@pytest.mark.parametrize("url", ["http://127.0.0.1:8000/v1", "http://169.254.169.254/latest", "http://10.1.2.3/v1",
                                 "http://localhost:11434/v1", "http://[::1]:8000/v1"])
def test_user_supplied_upstream_urls_to_private_networks_are_refused(console, url):
    body = console.post("/language-model-credentials/openai_compatible", json={"config": {"base_url": url}})
    assert body["code"] == "validate_error" and "not allowed" in body["message"]
    body = console.post("/language-model-credentials/openai_compatible/test", json={"config": {"base_url": url},
                                                                                   "model": "m"})
    assert body["code"] == "validate_error"


def test_guard_applies_when_connecting(app, console, fake_upstream):
    """A stored credential whose URL is a name resolving to loopback is refused at connect time
    (default config: nothing allow-listed), both for the credential test and for /v1 calls."""
    db = app.extensions["injector"].get(SQLAlchemy)
    encryptor = app.extensions["injector"].get(__import__("pkg.crypto", fromlist=["Encryptor"]).Encryptor)
    port = fake_upstream.rsplit(":", 1)[1]
    with app.app_context():
        with db.auto_commit():
            db.session.add(ProviderCredential(
                account_id=console.account.account_id, provider="openai_compatible", masked_config="{}",
                encrypted_config=encryptor.encrypt(f'{{"base_url": "http://localhost.:{port}/v1"}}')))
    res = console.post("/language-model-credentials/openai_compatible/test", json={"model": "fake-gpt"})
    assert res["code"] == "fail" and "not allowed" in res["message"]
    raw = _api_key(app, console.account.account_id)
    r = app.test_client().post("/v1/chat/completions", headers={"Authorization": f"Bearer {raw}"},
                               json={"model": "openai_compatible/fake-gpt", "messages": [{"role": "user", "content": "x"}]})
    assert r.status_code == 400 and r.get_json()["error"]["code"] == "upstream_address_blocked"


def _api_key(app, account_id) -> str:
    with app.app_context():
        _, raw = app.extensions["injector"].get(ApiKeyService).create_api_key(account_id, True, "t")
    return raw


def test_account_credentials_route_gateway_calls(local_upstream_app, lconsole, other_lconsole, fake_upstream):
    app, console, other_console = local_upstream_app, lconsole, other_lconsole
    console.post("/language-model-credentials/openai_compatible",
                 json={"config": {"base_url": fake_upstream + "/v1", "api_key": "acct-key-123"}})
    client = app.test_client()
    mine = {"Authorization": f"Bearer {_api_key(app, console.account.account_id)}"}
    theirs = {"Authorization": f"Bearer {_api_key(app, other_console.account.account_id)}"}
    body = {"model": "openai_compatible/fake-gpt", "messages": [{"role": "user", "content": "hi"}]}
    r = client.post("/v1/chat/completions", json=body, headers=mine)
    assert r.status_code == 200, r.get_data(as_text=True)
    assert r.get_json()["choices"][0]["message"]["content"]
    r = client.post("/v1/chat/completions", json=body, headers=theirs)
    assert r.status_code == 404 and r.get_json()["error"]["code"] == "model_not_found"


def test_usage_aggregates_per_key_and_day_for_own_account_only(app, console, other_console):
    db = app.extensions["injector"].get(SQLAlchemy)
    k1, k2 = uuid.uuid4(), uuid.uuid4()
    now = datetime.now(UTC).replace(hour=12)
    rows = [
        dict(account_id=console.account.account_id, api_key_id=k1, created_at=now, total_tokens=10, cost=0.5),
        dict(account_id=console.account.account_id, api_key_id=k1, created_at=now, total_tokens=5, cost=0.25,
             status="error"),
        dict(account_id=console.account.account_id, api_key_id=k2, created_at=now - timedelta(days=1),
             total_tokens=7, cost=0.1, estimated=True),
        dict(account_id=other_console.account.account_id, api_key_id=k1, created_at=now, total_tokens=1000, cost=9),
    ]
    with app.app_context():
        with db.auto_commit():
            for r in rows:
                db.session.add(ModelUsage(model="m", endpoint="chat", status=r.pop("status", "success"),
                                          prompt_tokens=r["total_tokens"], **r))
    data = console.get("/language-model-usage?group_by=key_day")["data"]
    by = {(r["api_key_id"], r["day"]): r for r in data}
    today = by[(str(k1), now.date().isoformat())]
    assert today["requests"] == 2 and today["errors"] == 1 and today["total_tokens"] == 15
    assert today["cost"] == pytest.approx(0.75)
    assert by[(str(k2), (now - timedelta(days=1)).date().isoformat())]["estimated_requests"] == 1
    assert sum(r["total_tokens"] for r in data) == 22  # the other tenant's 1000 tokens are not here
    per_day = console.get("/language-model-usage?group_by=day")["data"]
    assert sum(r["requests"] for r in per_day) == 3 and all("api_key_id" not in r for r in per_day)
    only_k2 = console.get(f"/language-model-usage?group_by=key&api_key_id={k2}")["data"]
    assert [r["total_tokens"] for r in only_k2] == [7]
    assert console.get("/language-model-usage?start_date=2026-02-10&end_date=2026-01-01")["code"] == \
        "validate_error"
    assert console.get("/language-model-usage?group_by=hour")["code"] == "validate_error"


def test_two_accounts_credentials_for_one_model_keep_separate_state(local_upstream_app, lconsole, other_lconsole,
                                                                     fake_upstream):
    """Same provider/model, two accounts, two endpoints (A's fails): A's failures cool down only
    A's deployment (Redis state store, shared by processes), and each health shows its own."""
    app, a, b = local_upstream_app, lconsole, other_lconsole
    a.post("/language-model-credentials/openai_compatible",
           json={"config": {"base_url": fake_upstream + "/_behave/fail-500/v1", "api_key": "sk-account-a"}})
    b.post("/language-model-credentials/openai_compatible",
           json={"config": {"base_url": fake_upstream + "/v1", "api_key": "sk-account-b"}})
    client = app.test_client()
    key_a = {"Authorization": f"Bearer {_api_key(app, a.account.account_id)}"}
    key_b = {"Authorization": f"Bearer {_api_key(app, b.account.account_id)}"}
    body = {"model": "openai_compatible/fake-gpt", "messages": [{"role": "user", "content": "hi"}]}
    statuses = [client.post("/v1/chat/completions", json=body, headers=key_a).status_code for _ in range(4)]
    assert statuses[-1] == 503 and set(statuses[:-1]) <= {502, 503}  # A's own deployment cooled down
    for _ in range(3):
        r = client.post("/v1/chat/completions", json=body, headers=key_b)
        assert r.status_code == 200, r.get_data(as_text=True)
    health_b = client.get("/v1/models/openai_compatible/fake-gpt/health", headers=key_b).get_json()
    health_a = client.get("/v1/models/openai_compatible/fake-gpt/health", headers=key_a).get_json()
    (dep_b,), (dep_a,) = health_b["deployments"], health_a["deployments"]
    assert health_b["status"] == "healthy" and dep_b["consecutive_failures"] == 0 and dep_b["failures"] == 0
    assert dep_b["last_error"] is None and dep_b["successes"] == 3
    assert health_a["status"] == "unavailable" and dep_a["status"] == "cooldown" and dep_a["failures"] >= 1
    for health in (health_a, health_b):  # ids and status only: no upstream URL, no credential
        text = str(health)
        assert "api_base" not in text and "127.0.0.1" not in text and "sk-account" not in text

"""`/v1/models` lists every model the key can call (issue 13 §3): a provider configured only
through the environment (here DEEPSEEK_API_KEY) is listed as `provider/model`, each id answers
`GET /v1/models/<id>`, and a provider without credentials is not listed."""
from __future__ import annotations

from app.http.app import create_app
from internal.service.api_key_service import ApiKeyService
from test.conftest import make_account


def test_env_configured_provider_models_are_listed(pg_app, pg_config, monkeypatch):
    monkeypatch.setenv("DEEPSEEK_API_KEY", "sk-env-deepseek-123456")
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    app = create_app(pg_config)
    account = make_account(app)
    with app.app_context():
        _, key = app.extensions["injector"].get(ApiKeyService).create_api_key(account.account_id, True, "list")
    client = app.test_client()
    headers = {"Authorization": f"Bearer {key}"}
    listed = client.get("/v1/models", headers=headers).json["data"]
    ids = {m["id"] for m in listed}
    assert {"deepseek/deepseek-chat", "deepseek/deepseek-reasoner"} <= ids
    assert not any(i.startswith("openai/") for i in ids)  # no credentials: not callable, not listed
    assert all(set(m) >= {"id", "object", "created", "owned_by"} and m["object"] == "model" for m in listed)
    one = client.get("/v1/models/deepseek/deepseek-chat", headers=headers)
    assert one.status_code == 200 and one.json["owned_by"] == "deepseek"
    assert "sk-env-deepseek" not in client.get("/v1/models", headers=headers).get_data(as_text=True)

"""The API lane (internal/server/api_lane.py) against Flask's route for the same /v1 handler.

Every request is sent twice through the real app: without an `Origin` header (served by the
lane, as SDKs and curl send it) and with one (served by Flask, where flask-cors answers
browsers). Both must answer the same statuses, shapes and error JSON.
"""
from __future__ import annotations

import json

import pytest
from flask import request_started
from injector import Module, provider, singleton

from app.http.app import create_app
from config.language_model import LanguageModelSettings
from internal.core.language_model import UsageSink
from internal.service.api_key_service import ApiKeyService
from internal.service.openai_gateway_service import OpenAIGatewayService
from test.conftest import make_account
from test.support.fake_openai.process import start_fake_upstream

ORIGIN = {"Origin": "http://console.test"}  # an allowed CORS origin of the test configuration
CHAT = {"model": "lane-gpt", "messages": [{"role": "user", "content": "Hello lane"}], "max_tokens": 16}


@pytest.fixture(scope="module")
def router_yaml(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("lane")
    proc, url = start_fake_upstream(tmp / "upstream.log")
    path = tmp / "router.yaml"
    path.write_text("model_groups:\n  lane-gpt:\n    deployments:\n"
                    f"      - {{id: lane, provider: openai_compatible, model: lane-gpt, api_base: \"{url}/v1\"}}\n")
    yield str(path)
    proc.stop()


class _Settings(Module):
    def __init__(self, router_config: str):
        self.router_config = router_config

    @singleton
    @provider
    def settings(self) -> LanguageModelSettings:
        return LanguageModelSettings(ROUTER_CONFIG=self.router_config, _env_file=None)


class _ExplodingGateway(OpenAIGatewayService):
    def chat(self, api_key, body):
        raise RuntimeError("secret internal detail: db password hunter2")


class _Exploding(Module):
    def configure(self, binder):
        binder.bind(OpenAIGatewayService, to=_ExplodingGateway)


@pytest.fixture(scope="module")
def lane_app(pg_app, pg_config, router_yaml):
    """Same database as `app`; the router YAML points at the fake upstream."""
    app = create_app(pg_config, modules=[_Settings(router_yaml)])
    yield app
    app.extensions["injector"].get(UsageSink).close()  # write its usage rows while the database exists


@pytest.fixture
def key(app, lane_app) -> str:
    account = make_account(lane_app)
    with lane_app.app_context():
        _, raw = lane_app.extensions["injector"].get(ApiKeyService).create_api_key(account.account_id, True, "lane")
    return raw


@pytest.fixture
def flask_dispatches(lane_app):
    """Requests that went through Flask's request handling (the lane never sends this signal)."""
    seen: list[str] = []

    def record(sender, **_):
        from flask import request

        seen.append(request.path)

    request_started.connect(record, lane_app)
    yield seen
    request_started.disconnect(record, lane_app)


def _both(app, method: str, path: str, **kwargs):
    client = app.test_client()
    headers = kwargs.pop("headers", {})
    lane = client.open(path, method=method, headers=headers, **kwargs)
    flask = client.open(path, method=method, headers={**headers, **ORIGIN}, **kwargs)
    return lane, flask


def _strip_ids(body: dict) -> dict:
    return {k: v for k, v in body.items() if k not in ("id", "created")}


def test_blocking_chat_is_the_same_on_both_paths(lane_app, key, flask_dispatches):
    auth = {"Authorization": f"Bearer {key}", "X-Request-Id": "req-lane-1"}
    lane, flask = _both(lane_app, "POST", "/v1/chat/completions", json=CHAT, headers=auth)
    assert flask_dispatches == ["/v1/chat/completions"], "only the request with an Origin goes through Flask"
    for r in (lane, flask):
        assert r.status_code == 200 and r.mimetype == "application/json"
        assert r.headers["X-Request-Id"] == "req-lane-1"
        assert int(r.headers["Content-Length"]) == len(r.data)
    assert _strip_ids(lane.get_json()) == _strip_ids(flask.get_json())
    assert lane.get_json()["choices"][0]["message"]["content"].startswith("Hello from the fake upstream")
    assert flask.headers["Access-Control-Allow-Origin"] == ORIGIN["Origin"]
    assert "Access-Control-Allow-Origin" not in lane.headers


def test_streamed_chat_is_the_same_on_both_paths(lane_app, key):
    body = {**CHAT, "stream": True, "stream_options": {"include_usage": True}}
    lane, flask = _both(lane_app, "POST", "/v1/chat/completions", json=body,
                        headers={"Authorization": f"Bearer {key}"})
    frames = {}
    for name, r in (("lane", lane), ("flask", flask)):
        assert r.status_code == 200 and r.headers["Content-Type"] == "text/event-stream; charset=utf-8"
        assert r.headers["Cache-Control"] == "no-cache" and "Content-Length" not in r.headers
        frames[name] = [f for f in r.get_data(as_text=True).split("\n\n") if f]
    assert frames["lane"][-1] == frames["flask"][-1] == "data: [DONE]"
    assert len(frames["lane"]) == len(frames["flask"]) > 2
    usage = json.loads(frames["lane"][-2][len("data: "):])
    assert usage["choices"] == [] and usage["usage"]["total_tokens"] > 0


def test_models_list_on_both_paths(lane_app, key):
    lane, flask = _both(lane_app, "GET", "/v1/models", headers={"Authorization": f"Bearer {key}"})
    assert lane.status_code == flask.status_code == 200
    assert lane.get_json() == flask.get_json() and "lane-gpt" in {m["id"] for m in lane.get_json()["data"]}


@pytest.mark.parametrize(("headers", "kwargs", "status", "code"), [
    ({}, {"json": CHAT}, 401, "invalid_api_key"),
    ({"Authorization": "Bearer sk-not-a-key"}, {"json": CHAT}, 401, "invalid_api_key"),
    ("key", {"data": b"{not json", "content_type": "application/json"}, 400, "invalid_json"),
    ("key", {"json": [1, 2]}, 400, "invalid_json"),
    ("key", {"json": {**CHAT, "model": "no-such-model"}}, 404, "model_not_found"),
    ("key", {"json": {**CHAT, "temperature": 9}}, 400, "invalid_value"),
])
def test_errors_are_the_same_openai_json_on_both_paths(lane_app, key, headers, kwargs, status, code):
    headers = {"Authorization": f"Bearer {key}"} if headers == "key" else headers
    lane, flask = _both(lane_app, "POST", "/v1/chat/completions", headers=headers, **kwargs)
    assert lane.status_code == flask.status_code == status
    assert lane.get_json() == flask.get_json()
    assert lane.get_json()["error"]["code"] == code and lane.get_json()["error"]["message"]


def test_oversized_body_is_413_before_it_is_read(lane_app, key):
    limit = lane_app.config["MAX_CONTENT_LENGTH"]
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    lane, flask = _both(lane_app, "POST", "/v1/chat/completions", headers=headers, data=b" " * (limit + 1))
    assert lane.status_code == flask.status_code == 413
    assert lane.get_json() == flask.get_json() and lane.get_json()["error"]["code"] == "payload_too_large"


def test_unexpected_failure_is_a_generic_500_naming_only_the_request_id(pg_config, router_yaml, app, caplog,
                                                                       request):
    exploding = create_app(pg_config, modules=[_Settings(router_yaml), _Exploding()])
    request.addfinalizer(exploding.extensions["injector"].get(UsageSink).close)
    account = make_account(exploding)
    with exploding.app_context():
        _, raw = exploding.extensions["injector"].get(ApiKeyService).create_api_key(account.account_id, True, "x")
    headers = {"Authorization": f"Bearer {raw}", "X-Request-Id": "req-boom"}
    lane, flask = _both(exploding, "POST", "/v1/chat/completions", json=CHAT, headers=headers)
    for r in (lane, flask):
        assert r.status_code == 500 and "hunter2" not in r.get_data(as_text=True)
        assert r.get_json()["error"] == {"message": "internal server error (request id req-boom)",
                                         "type": "api_error", "param": None, "code": "internal_error"}
    logged = [rec for rec in caplog.records if rec.exc_info and "hunter2" in str(rec.exc_info[1])]
    assert len(logged) == 2, "both paths log the traceback server-side"


def test_lane_requests_are_counted_in_metrics(lane_app, key):
    client = lane_app.test_client()
    before = _count(client.get("/metrics").get_data(as_text=True))
    for _ in range(3):
        assert client.post("/v1/chat/completions", json=CHAT, headers={"Authorization": f"Bearer {key}"}).status_code == 200
    assert _count(client.get("/metrics").get_data(as_text=True)) == before + 3


def _count(metrics_text: str) -> float:
    for line in metrics_text.splitlines():
        if line.startswith("llmops_http_requests_total{") and 'route="/v1/chat/completions"' in line \
                and 'status="200"' in line and 'method="POST"' in line:
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_routes_the_lane_does_not_own_still_answer_openai_json(lane_app, key, flask_dispatches):
    client = lane_app.test_client()
    auth = {"Authorization": f"Bearer {key}"}
    missing = client.post("/v1/nothing-here", json=CHAT, headers=auth)
    wrong_method = client.get("/v1/chat/completions", headers=auth)
    detail = client.get("/v1/models/lane-gpt", headers=auth)
    assert missing.status_code == 404 and missing.get_json()["error"]["type"] == "invalid_request_error"
    assert wrong_method.status_code == 405 and wrong_method.get_json()["error"]["code"] == "method_not_allowed"
    assert detail.status_code == 200 and detail.get_json()["id"] == "lane-gpt"
    assert flask_dispatches == ["/v1/nothing-here", "/v1/chat/completions", "/v1/models/lane-gpt"]


def test_the_lane_accounts_for_every_flask_request_hook(lane_app):
    """The lane runs no Flask request hooks: it does the request id, timing, metrics and the
    database-session teardown itself, and the rest do nothing for an API-key request without an
    Origin header. A new hook must be weighed for the lane too (internal/server/api_lane.py)."""
    def names(funcs):
        return sorted(f.__name__ for f in funcs)

    assert names(lane_app.before_request_funcs[None]) == ["_assign_request_id", "_start_timer"]
    assert names(lane_app.after_request_funcs[None]) == [
        "_echo_request_id", "_observe", "_update_remember_cookie", "cors_after_request_if_origin"]
    assert set(lane_app.before_request_funcs) | set(lane_app.after_request_funcs) == {None}
    assert not lane_app.teardown_request_funcs and not lane_app.url_value_preprocessors
    assert names(lane_app.teardown_appcontext_funcs) == ["_teardown_session"]  # runs: the lane pushes an app context

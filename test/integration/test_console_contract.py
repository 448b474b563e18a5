"""The console contract of DESIGN §1 at the server level: envelope, 404/405, CORS, request ids."""
from __future__ import annotations

from app.http.app import create_app
from test.support.environment import make_test_config


def test_ping_answers_in_envelope(client):
    body = client.get("/ping").get_json()
    assert body == {"code": "success", "message": "", "data": {"ping": "pong"}}


def test_unknown_console_route_is_enveloped_not_found(client):
    response = client.get("/no-such-route")
    assert response.status_code == 200
    assert response.get_json()["code"] == "not_found"


def test_wrong_method_on_console_route_is_enveloped(client):
    response = client.get("/auth/password-login")
    assert response.status_code == 200
    assert response.get_json()["code"] == "not_found"


def test_openai_surface_uses_openai_error_shape(client):
    response = client.get("/v1/no-such-endpoint")
    assert response.status_code == 404
    assert set(response.get_json()["error"]) == {"message", "type", "param", "code"}


def test_request_id_is_echoed_and_generated(client):
    assert client.get("/ping", headers={"X-Request-Id": "abc-123"}).headers["X-Request-Id"] == "abc-123"
    generated = client.get("/ping", headers={"X-Request-Id": "bad id; <script>"}).headers["X-Request-Id"]
    assert len(generated) == 32 and generated.isalnum()


def test_cors_preflight_echoes_allowed_origin_never_star(client):
    response = client.options("/account", headers={"Origin": "http://console.test",
                                                   "Access-Control-Request-Method": "GET",
                                                   "Access-Control-Request-Headers": "Authorization"})
    assert response.headers["Access-Control-Allow-Origin"] == "http://console.test"
    assert response.headers["Access-Control-Allow-Credentials"] == "true"
    denied = client.options("/account", headers={"Origin": "http://evil.test", "Access-Control-Request-Method": "GET"})
    assert "Access-Control-Allow-Origin" not in denied.headers


def test_unexpected_error_hides_internals_and_gives_request_id(tmp_path, caplog):
    fresh = create_app(make_test_config(tmp_path))

    @fresh.get("/__boom_for_test")
    def boom():
        raise RuntimeError("secret internal detail")

    body = fresh.test_client().get("/__boom_for_test", headers={"X-Request-Id": "req-boom"}).get_json()
    assert body["code"] == "fail"
    assert "secret internal detail" not in body["message"]
    assert "req-boom" in body["message"]
    logged = [r for r in caplog.records if r.levelname == "ERROR"]
    assert logged and logged[-1].request_id == "req-boom" and "secret internal detail" in logged[-1].exc_text

"""F6, F7, F9, F10 (and the input half of F2): hostile text input is a validation error on every
surface and both databases, never a 500.

- NUL (\\u0000) in any JSON string or query parameter: PostgreSQL refuses it in text.
- JSON nested ~1000 deep: the json module raised RecursionError (a 500 with a traceback).
- a non-ASCII upload-file signature, and usage dates whose range arithmetic overflows.
"""
from __future__ import annotations

import json
import uuid

import pytest
from sqlalchemy import func, select

from internal.model.api_key import ApiKey
from internal.model.dataset import Dataset
from internal.service.api_key_service import ApiKeyService
from pkg.sqlalchemy import SQLAlchemy
from test.conftest import ConsoleClient, make_account

NUL = "\u0000"
DEEP = "[" * 1000 + "]" * 1000


@pytest.fixture
def console_any(db_app) -> ConsoleClient:
    return ConsoleClient(db_app, make_account(db_app))


def _rows(app, model) -> int:
    with app.app_context():
        return app.extensions["injector"].get(SQLAlchemy).session.scalar(select(func.count()).select_from(model))


def _dataset(console) -> str:
    body = console.post("/datasets", json={"name": f"ds-{uuid.uuid4().hex[:6]}", "icon": "", "description": ""})
    assert body["code"] == "success", body
    return body["data"]["id"]


def test_nul_in_json_strings_is_a_validation_error(db_app, console_any):
    client = db_app.test_client()
    login = client.post("/auth/password-login", json={"email": f"a{NUL}@example.com", "password": "x" * 10})
    assert login.status_code == 200 and login.get_json()["code"] == "validate_error"
    assert "email" in login.get_json()["message"] and "NUL" in login.get_json()["message"]

    ds = _dataset(console_any)
    datasets_before = _rows(db_app, Dataset)
    for path, body in [
        ("/datasets", {"name": f"evil{NUL}", "icon": "", "description": ""}),
        (f"/datasets/{ds}", {"name": "ok", "icon": "", "description": f"d{NUL}"}),
        ("/openapi/api-keys", {"remark": f"r{NUL}"}),
        (f"/datasets/{ds}/hit", {"query": f"q{NUL}", "retrieval_strategy": "full_text", "k": 3, "score": 0}),
        ("/datasets", {f"na{NUL}me": "x", "icon": "", "description": ""}),  # in a key, too
    ]:
        answer = console_any.post(path, json=body)
        assert answer["code"] == "validate_error", (path, answer)
        assert "NUL" in answer["message"]
    assert _rows(db_app, Dataset) == datasets_before  # nothing written
    assert _rows(db_app, ApiKey) == 0


def test_nul_in_query_and_path_parameters(db_app, console_any):
    ds = _dataset(console_any)
    for path in ("/datasets", "/openapi/api-keys", f"/datasets/{ds}/documents"):
        answer = console_any.get(path, query_string={"search_word": f"w{NUL}"})
        assert answer["code"] == "validate_error" and "search_word" in answer["message"], (path, answer)
    # a path parameter with a NUL matches no route: not found, in the console envelope
    answer = console_any.get(f"/datasets/{ds}/documents/batch/b%00x")
    assert answer["code"] == "not_found", answer


def test_deeply_nested_json_is_a_validation_error_on_every_surface(db_app, console_any):
    client = db_app.test_client()
    raw = '{"email": ' + DEEP + ', "password": "x"}'
    login = client.post("/auth/password-login", data=raw, content_type="application/json")
    assert login.status_code == 200 and login.get_json()["code"] == "validate_error", login.get_data(as_text=True)
    # within orjson's own limit (1024) but over ours
    shallow_enough_for_orjson = "[" * 200 + "]" * 200
    for nested in (DEEP, shallow_enough_for_orjson):
        answer = console_any.post("/datasets", data='{"name": ' + nested + "}", content_type="application/json")
        assert answer["code"] == "validate_error", answer
        assert "traceback" not in json.dumps(answer).lower()

    account = make_account(db_app)
    with db_app.app_context():
        _, key = db_app.extensions["injector"].get(ApiKeyService).create_api_key(account.account_id, True, "f7")
    headers = {"Authorization": f"Bearer {key}"}
    for nested in (DEEP, shallow_enough_for_orjson):
        response = client.post("/v1/chat/completions", headers=headers, content_type="application/json",
                               data='{"model": "m", "messages": ' + nested + "}")
        assert response.status_code == 400, response.get_data(as_text=True)
        assert response.get_json()["error"]["type"] == "invalid_request_error"


def test_nul_in_a_v1_model_name_is_refused_before_the_gateway(db_app):
    account = make_account(db_app)
    with db_app.app_context():
        _, key = db_app.extensions["injector"].get(ApiKeyService).create_api_key(account.account_id, True, "f2")
    client = db_app.test_client()
    headers = {"Authorization": f"Bearer {key}"}
    for path, body in [("/v1/chat/completions", {"model": f"x{NUL}", "messages": [{"role": "user", "content": "hi"}]}),
                       ("/v1/embeddings", {"model": "e", "input": [f"a{NUL}"]})]:
        response = client.post(path, headers=headers, json=body)
        assert response.status_code == 400, (path, response.get_data(as_text=True))
        error = response.get_json()["error"]
        assert error["code"] == "invalid_value" and "NUL" in error["message"], error
    # the escaped backslash form is ordinary text, not a NUL: it reaches the gateway (unknown model)
    response = client.post("/v1/chat/completions", headers=headers, content_type="application/json",
                           data='{"model": "x\\\\u0000", "messages": [{"role": "user", "content": "hi"}]}')
    assert response.status_code == 404, response.get_data(as_text=True)


def test_non_ascii_signature_and_overflowing_dates(db_app, console_any):
    client = db_app.test_client()
    response = client.get(f"/upload-files/{uuid.uuid4()}/content?signature=%C3%A9")
    assert response.status_code == 200 and response.get_json()["code"] == "validate_error", response.get_data(as_text=True)
    wrong = client.get(f"/upload-files/{uuid.uuid4()}/content", query_string={"signature": "A" * 32})
    assert wrong.get_json()["code"] == "not_found"

    for query in ({"end_date": "0001-01-01"}, {"start_date": "0001-01-01"}, {"end_date": "9999-12-31"},
                  {"start_date": "9999-12-31", "end_date": "9999-12-31"}):
        answer = console_any.get("/language-model-usage", query_string=query)
        assert answer["code"] == "validate_error", (query, answer)
    assert console_any.get("/language-model-usage", query_string={"end_date": "2026-01-31"})["code"] == "success"

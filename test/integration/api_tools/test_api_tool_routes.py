"""Console /api-tools: the routes of console-routes.txt with the course's field names, masked
secrets that survive the edit form's round trip, validation errors that leave nothing behind,
and tenant isolation on every route."""
from __future__ import annotations

import json
import time
import uuid

import pytest
from sqlalchemy import func, select

from internal.model.api_tool import ApiTool, ApiToolProvider
from pkg.crypto import Encryptor
from pkg.sqlalchemy import SQLAlchemy

from .conftest import fixture_text

SECRET = "sk-live-0123456789abcdef"
HEADER_SECRET = "hdr-secret-value-987654321"


def count_rows(app) -> tuple[int, int]:
    db = app.extensions["injector"].get(SQLAlchemy)
    with app.app_context():
        return (db.session.scalar(select(func.count()).select_from(ApiToolProvider)),
                db.session.scalar(select(func.count()).select_from(ApiTool)))


def create(console, doc: str | None = None, name: str = "pets", **extra) -> dict:
    return console.post("/api-tools", json={"name": name, "icon": "https://icons.test/p.png",
                                            "openapi_schema": doc or fixture_text("petstore-3.0.yaml"), **extra})


def created_id(console, *args, **kwargs) -> str:
    body = create(console, *args, **kwargs)
    assert body["code"] == "success", body
    return body["data"]["id"]


def test_validate_openapi_schema_lists_the_tools_and_stores_nothing(app, console):
    body = console.post("/api-tools/validate-openapi-schema",
                        json={"openapi_schema": fixture_text("course-dialect.json")})
    assert body["code"] == "success"
    assert [(t["name"], t["method"], t["path"]) for t in body["data"]["tools"]] == [
        ("YoudaoSuggest", "GET", "/dict"), ("SaveWord", "POST", "/dict"), ("GetWord", "GET", "/words/{word}")]
    assert body["data"]["dialect"] == "course"
    assert count_rows(app) == (0, 0)


@pytest.mark.parametrize("doc, words", [
    ('{"server": "https://a.test", "description": "d", "paths": {"/a": {"get": {"description": "x"}}}}',
     "/paths/~1a/get/operationId"),
    ("openapi: 3.0.0\ninfo: [unclosed\n", "line"),
    ('{"openapi": "3.0.0", "servers": [{"url": "https://a.test"}], "paths": {"/a": {"get": {"parameters": '
     '[{"$ref": "http://evil.test/x.json"}]}}}}', "remote $ref"),
    ("not a document", "must be a JSON object"),
])
def test_bad_documents_are_validate_errors_and_create_nothing(app, console, doc, words):
    for path in ("/api-tools/validate-openapi-schema", "/api-tools"):
        body = console.post(path, json={"name": "bad", "icon": "", "openapi_schema": doc})
        assert body["code"] == "validate_error" and words in body["message"], body
    assert count_rows(app) == (0, 0)


@pytest.mark.parametrize("payload, field", [
    ({"name": "", "openapi_schema": "x"}, "name"),
    ({"name": "   ", "openapi_schema": "x"}, "name"),
    ({"name": "n" * 61, "openapi_schema": "x"}, "name"),
    ({"name": "n", "openapi_schema": ""}, "openapi_schema"),
    ({"name": "n", "openapi_schema": "x", "headers": [{"key": "Bad Header", "value": "v"}]}, "headers"),
    ({"name": "n", "openapi_schema": "x", "headers": [{"key": "X-A", "value": "a\r\nX-B: 1"}]}, "headers"),
    ({"name": "n", "openapi_schema": "x", "headers": [{"key": "X-A", "value": "v", "extra": 1}]}, "headers"),
    ({"name": "n", "openapi_schema": "x", "headers": [{"key": "X-A", "value": "密钥"}]}, "ASCII"),
    ({"name": "n", "openapi_schema": "x", "headers": [{"key": "", "value": "orphan"}]}, "headers"),
    ({"name": "n", "openapi_schema": "x", "auth": {"type": "bearer"}}, "auth"),
    ({"name": "n", "openapi_schema": "x", "auth": {"type": "oauth9"}}, "auth"),
    ({"name": "n", "openapi_schema": "x", "auth": {"type": "api_key", "api_key": "k", "in": "cookie"}}, "auth"),
])
def test_bad_requests_are_validate_errors(app, console, payload, field):
    body = console.post("/api-tools", json=payload)
    assert body["code"] == "validate_error" and field in body["message"], body
    assert count_rows(app) == (0, 0)


def test_api_key_without_a_name_needs_a_scheme_in_the_document(app, console):
    body = create(console, fixture_text("course-dialect.json"), auth={"type": "api_key", "api_key": SECRET})
    assert body["code"] == "validate_error" and "auth.name" in body["message"]
    assert count_rows(app) == (0, 0)


def test_create_list_detail_tool_update_delete(app, console):
    pid = created_id(console, headers=[{"key": "X-Team", "value": HEADER_SECRET}])
    assert count_rows(app) == (1, 5)

    page = console.get("/api-tools")["data"]
    assert page["paginator"] == {"total_page": 1, "total_record": 1, "current_page": 1, "page_size": 20}
    item = page["list"][0]
    assert set(item) >= {"id", "name", "icon", "description", "headers", "tools", "created_at"}
    assert (item["id"], item["name"], item["icon"]) == (pid, "pets", "https://icons.test/p.png")
    # seconds: space/tools/ListView renders moment(created_at * 1000) (milliseconds came out as year 58,000)
    assert abs(item["created_at"] - time.time()) < 600
    assert item["description"] == "Manage the pets of a small store."
    assert [t["name"] for t in item["tools"]] == ["listPets", "addPet", "getPet", "updatePet", "deletePet"]
    assert item["tools"][2]["inputs"] == [{"name": "petId", "type": "int", "description": "The id of the pet",
                                           "required": True}]
    assert item["headers"] == [{"key": "X-Team", "value": "hd********21"}]

    detail = console.get(f"/api-tools/{pid}")["data"]
    assert detail["openapi_schema"] == fixture_text("petstore-3.0.yaml")  # the text as pasted
    assert detail["headers"] == item["headers"] and detail["auth"] == {"type": "none"}

    tool = console.get(f"/api-tools/{pid}/tools/addPet")["data"]
    assert (tool["name"], tool["method"], tool["path"]) == ("addPet", "POST", "/pets")
    assert [i["name"] for i in tool["inputs"]] == ["name", "tag", "status"]
    assert tool["provider"] == {"id": pid, "name": "pets", "icon": "https://icons.test/p.png",
                                "description": "Manage the pets of a small store.", "headers": item["headers"]}
    assert console.get(f"/api-tools/{pid}/tools/nope")["code"] == "not_found"

    # the edit form posts the document back with fewer operations: tools follow the document
    doc = fixture_text("course-dialect.json")
    body = console.post(f"/api-tools/{pid}", json={"name": "dictionary", "icon": "https://icons.test/d.png",
                                                   "openapi_schema": doc, "headers": detail["headers"]})
    assert body["code"] == "success", body
    after = console.get(f"/api-tools/{pid}")["data"]
    assert (after["name"], after["openapi_schema"]) == ("dictionary", doc)
    assert [t["name"] for t in console.get("/api-tools")["data"]["list"][0]["tools"]] == [
        "YoudaoSuggest", "SaveWord", "GetWord"]
    assert count_rows(app) == (1, 3)

    assert console.post(f"/api-tools/{pid}/delete")["code"] == "success"
    assert count_rows(app) == (0, 0)
    assert console.get(f"/api-tools/{pid}")["code"] == "not_found"
    assert console.post(f"/api-tools/{pid}/delete")["code"] == "not_found"


def test_update_keeps_tool_ids_of_operations_that_stay(app, console):
    pid = created_id(console)
    before = {t["name"]: t["id"] for t in console.get("/api-tools")["data"]["list"][0]["tools"]}
    doc = fixture_text("petstore-3.0.yaml").replace("operationId: deletePet", "operationId: removePet")
    assert console.post(f"/api-tools/{pid}", json={"name": "pets", "openapi_schema": doc})["code"] == "success"
    after = {t["name"]: t["id"] for t in console.get("/api-tools")["data"]["list"][0]["tools"]}
    assert set(after) == {"listPets", "addPet", "getPet", "updatePet", "removePet"}
    assert all(after[n] == before[n] for n in ("listPets", "addPet", "getPet", "updatePet"))


def test_bad_update_changes_nothing(app, console):
    pid = created_id(console, headers=[{"key": "X-Team", "value": HEADER_SECRET}])
    before = console.get(f"/api-tools/{pid}")["data"]
    body = console.post(f"/api-tools/{pid}", json={"name": "renamed", "openapi_schema": '{"openapi": "3.0.0"}'})
    assert body["code"] == "validate_error"
    assert console.get(f"/api-tools/{pid}")["data"] == before
    assert count_rows(app) == (1, 5)


def test_names_are_unique_per_account(app, console, other_console):
    created_id(console)
    assert create(console)["code"] == "fail" and count_rows(app) == (1, 5)
    other = created_id(console, name="second")
    assert console.post(f"/api-tools/{other}", json={"name": "pets", "openapi_schema": fixture_text(
        "petstore-3.0.yaml")})["code"] == "fail"
    assert create(other_console)["code"] == "success"  # another account may use the name


def test_pagination_and_search(app, console):
    for name in ("Weather 1", "Weather 2", "Maps", "100%_off"):
        created_id(console, fixture_text("course-dialect.json"), name=name)
    page = console.get("/api-tools", query_string={"page_size": 2, "current_page": 2})["data"]
    assert page["paginator"] == {"total_page": 2, "total_record": 4, "current_page": 2, "page_size": 2}
    assert len(page["list"]) == 2
    found = console.get("/api-tools", query_string={"search_word": "weather"})["data"]["list"]
    assert sorted(p["name"] for p in found) == ["Weather 1", "Weather 2"]
    assert [p["name"] for p in console.get("/api-tools", query_string={"search_word": "%_"})["data"]["list"]] == [
        "100%_off"]
    assert console.get("/api-tools", query_string={"page_size": 51})["code"] == "validate_error"


def test_secrets_are_encrypted_masked_and_survive_the_round_trip(app, console):
    pid = created_id(console, headers=[{"key": "X-Team", "value": HEADER_SECRET}, {"key": "X-Short", "value": "abc"}],
                     auth={"type": "api_key", "api_key": SECRET})
    responses = [console.get("/api-tools"), console.get(f"/api-tools/{pid}"),
                 console.get(f"/api-tools/{pid}/tools/getPet")]
    detail = responses[1]["data"]
    assert detail["headers"] == [{"key": "X-Team", "value": "hd********21"}, {"key": "X-Short", "value": "********"}]
    assert detail["auth"] == {"type": "api_key", "in": "header", "name": "X-Store-Key", "api_key": "sk********ef"}

    db = app.extensions["injector"].get(SQLAlchemy)
    with app.app_context():
        row = db.session.get(ApiToolProvider, uuid.UUID(pid))
        assert SECRET not in row.encrypted_auth and HEADER_SECRET not in row.encrypted_headers
        assert SECRET in app.extensions["injector"].get(Encryptor).decrypt(row.encrypted_auth)

    # the console posts back exactly what it was shown, plus one changed and one new header;
    # `auth` is not sent at all (the console does not know it): the stored auth stays
    posted = [{"key": "X-Team", "value": detail["headers"][0]["value"]}, {"key": "X-Short", "value": "new"},
              {"key": "X-New", "value": "fresh"}]
    assert console.post(f"/api-tools/{pid}", json={"name": "pets", "icon": "", "headers": posted,
                                                   "openapi_schema": detail["openapi_schema"]})["code"] == "success"
    with app.app_context():
        service_view = json.loads(app.extensions["injector"].get(Encryptor).decrypt(
            db.session.get(ApiToolProvider, uuid.UUID(pid)).encrypted_headers))
        stored_auth = json.loads(app.extensions["injector"].get(Encryptor).decrypt(
            db.session.get(ApiToolProvider, uuid.UUID(pid)).encrypted_auth))
    assert service_view == [{"key": "X-Team", "value": HEADER_SECRET}, {"key": "X-Short", "value": "new"},
                            {"key": "X-New", "value": "fresh"}]
    assert stored_auth["api_key"] == SECRET

    # auth posted back masked keeps the secret; a new value replaces it; type none clears it
    masked_auth = console.get(f"/api-tools/{pid}")["data"]["auth"]
    for auth, expected in ((masked_auth, SECRET), ({**masked_auth, "api_key": "another-key-0000000"},
                                                   "another-key-0000000")):
        assert console.post(f"/api-tools/{pid}", json={"name": "pets", "auth": auth, "openapi_schema":
                                                       detail["openapi_schema"]})["code"] == "success"
        with app.app_context():
            db.session.expire_all()
            assert json.loads(app.extensions["injector"].get(Encryptor).decrypt(
                db.session.get(ApiToolProvider, uuid.UUID(pid)).encrypted_auth))["api_key"] == expected
    assert console.post(f"/api-tools/{pid}", json={"name": "pets", "auth": {"type": "none"}, "openapi_schema":
                                                   detail["openapi_schema"]})["code"] == "success"
    assert console.get(f"/api-tools/{pid}")["data"]["auth"] == {"type": "none"}
    for body in [*responses, console.get("/api-tools")]:
        text = json.dumps(body)
        assert SECRET not in text and HEADER_SECRET not in text


def test_other_tenants_get_not_found_on_every_route(app, console, other_console):
    pid = created_id(console, auth={"type": "bearer", "token": SECRET})
    assert other_console.get("/api-tools")["data"]["list"] == []
    assert other_console.get("/api-tools", query_string={"search_word": "pets"})["data"]["list"] == []
    assert other_console.get(f"/api-tools/{pid}")["code"] == "not_found"
    assert other_console.get(f"/api-tools/{pid}/tools/getPet")["code"] == "not_found"
    update = other_console.post(f"/api-tools/{pid}", json={"name": "mine now", "openapi_schema":
                                                           fixture_text("course-dialect.json")})
    assert update["code"] == "not_found"
    assert other_console.post(f"/api-tools/{pid}/delete")["code"] == "not_found"
    # nothing changed for the owner
    detail = console.get(f"/api-tools/{pid}")["data"]
    assert detail["name"] == "pets" and count_rows(app) == (1, 5)
    for path in ("/api-tools/not-a-uuid", "/api-tools/00000000-0000-0000-0000-000000000000"):
        assert console.get(path)["code"] == "not_found"


def test_routes_need_login(app, client):
    for method, path in (("GET", "/api-tools"), ("POST", "/api-tools"), ("POST", "/api-tools/validate-openapi-schema"),
                         ("GET", f"/api-tools/{uuid.uuid4()}"), ("POST", f"/api-tools/{uuid.uuid4()}"),
                         ("POST", f"/api-tools/{uuid.uuid4()}/delete"),
                         ("GET", f"/api-tools/{uuid.uuid4()}/tools/x")):
        response = client.open(path, method=method, json={})
        assert response.status_code == 200 and response.get_json()["code"] == "unauthorized", path

"""Calling API tools: documents imported through the console, tools resolved through the one
resolver (ToolType.API) and called over real HTTP against a local server, which records what it
received (method, path, query, headers, body, auth)."""
from __future__ import annotations

import base64
import json
import logging

import pytest

from internal.core.tools.base import ToolCallContext, ToolNotFoundError, ToolRef, ToolResult, ToolType
from internal.service.tool.tool_resolver_service import ToolResolverService
from test.conftest import make_account

from .conftest import build_api_app, fixture_text

SECRET = "sk-live-0123456789abcdef"


def create(console, doc: str, name: str = "provider", **extra) -> str:
    body = console.post("/api-tools", json={"name": name, "icon": "https://icons.test/a.png", "openapi_schema": doc,
                                            **extra})
    assert body["code"] == "success", body
    return body["data"]["id"]


def resolve(app, account_id, provider_id: str, tool: str):
    with app.app_context():
        resolver = app.extensions["injector"].get(ToolResolverService)
        return resolver.resolve(ToolRef(type=ToolType.API, provider_id=provider_id, tool_id=tool),
                                ToolCallContext(account_id=account_id))


def call(app, account_id, provider_id: str, tool: str, args: dict) -> ToolResult:
    return resolve(app, account_id, provider_id, tool).invoke(args)


def received(server):
    assert server.requests, "the API server received nothing"
    return server.requests[-1]


# -- OpenAPI 3.0 (Petstore): GET / POST / PUT / DELETE, api key in a header ----------------------
def test_petstore_operations_with_api_key_header(api_app, aconsole, api_server):
    pid = create(aconsole, fixture_text("petstore-3.0.yaml"), auth={"type": "api_key", "api_key": SECRET},
                 headers=[{"key": "X-Team", "value": "blue"}])
    acc = aconsole.account.account_id

    r = call(api_app, acc, pid, "listPets", {"limit": "5", "status": ["available", "sold"], "X-Trace": "t-1",
                                             "session": "a b;c"})
    assert r.ok, r.text
    got = received(api_server)
    assert (got.method, got.path) == ("GET", "/v1/pets")
    assert got.query == {"limit": ["5"], "status": ["available", "sold"]}
    assert got.headers["x-store-key"] == SECRET  # name and place taken from the document's apiKey scheme
    assert got.headers["x-team"] == "blue" and got.headers["x-trace"] == "t-1"
    assert got.headers["cookie"] == "session=a%20b%3Bc"
    assert got.headers["host"] == "petstore.test"
    assert r.data["method"] == "GET"  # a JSON answer is returned as data

    r = call(api_app, acc, pid, "addPet", {"name": "Rex", "tag": None})
    assert r.ok, r.text
    got = received(api_server)
    assert (got.method, got.path, got.headers["content-type"]) == ("POST", "/v1/pets", "application/json")
    assert json.loads(got.body) == {"name": "Rex", "status": "available"}  # default filled, None dropped

    r = call(api_app, acc, pid, "updatePet", {"petId": 7, "name": "Rex II", "status": "sold"})
    got = received(api_server)
    assert r.ok and (got.method, got.path) == ("PUT", "/v1/pets/7")
    assert json.loads(got.body) == {"name": "Rex II", "status": "sold"}

    r = call(api_app, acc, pid, "deletePet", {"petId": "7"})
    got = received(api_server)
    assert r.ok and (got.method, got.path, got.body) == ("DELETE", "/v1/pets/7", b"")


def test_invalid_arguments_never_reach_the_api(api_app, aconsole, api_server):
    pid = create(aconsole, fixture_text("petstore-3.0.yaml"))
    acc = aconsole.account.account_id
    for args in ({"limit": 0}, {"limit": "many"}, {"status": ["lost"]}):
        r = call(api_app, acc, pid, "listPets", args)
        assert not r.ok and "invalid input" in r.text
    r = call(api_app, acc, pid, "addPet", {"tag": "x"})
    assert not r.ok and "name" in r.text
    assert api_server.requests == []


# -- Swagger 2.0: basic auth, JSON and form bodies ---------------------------------------------
def test_swagger_operations_with_basic_auth(api_app, aconsole, api_server):
    pid = create(aconsole, fixture_text("todo-swagger-2.0.json"),
                 auth={"type": "basic", "username": "ann", "password": SECRET})
    acc = aconsole.account.account_id
    expected = "Basic " + base64.b64encode(f"ann:{SECRET}".encode()).decode()

    assert call(api_app, acc, pid, "list_todos", {"done": "false"}).ok
    got = received(api_server)
    assert (got.method, got.path, got.query) == ("GET", "/api/todos", {"done": ["false"], "page": ["1"]})
    assert got.headers["authorization"] == expected

    assert call(api_app, acc, pid, "createTodo", {"title": "buy tea", "priority": 2, "owner": {"name": "ann"}}).ok
    got = received(api_server)
    assert got.method == "POST" and json.loads(got.body) == {"title": "buy tea", "done": False, "priority": 2,
                                                              "owner": {"name": "ann"}}
    assert call(api_app, acc, pid, "updateTodo", {"todoId": "t-1", "title": "buy green tea", "done": True}).ok
    got = received(api_server)
    assert (got.method, got.path) == ("PUT", "/api/todos/t-1") and json.loads(got.body)["done"] is True

    assert call(api_app, acc, pid, "addNote", {"todoId": "t-1", "text": "50g & more", "pinned": True}).ok
    got = received(api_server)
    assert got.headers["content-type"] == "application/x-www-form-urlencoded"
    assert got.body == b"text=50g+%26+more&pinned=true"

    assert call(api_app, acc, pid, "deleteTodo", {"todoId": "t-1"}).ok
    assert (received(api_server).method, received(api_server).headers["authorization"]) == ("DELETE", expected)


# -- OpenAPI 3.1 with $refs: bearer ----------------------------------------------------------
def test_openapi_31_operations_with_bearer(api_app, aconsole, api_server):
    pid = create(aconsole, fixture_text("library-3.1.yaml"), auth={"type": "bearer", "token": SECRET})
    acc = aconsole.account.account_id
    isbn = "978-3-16-148410-0"

    assert call(api_app, acc, pid, "searchBooks", {"q": "tea", "genre": "history"}).ok
    got = received(api_server)
    assert (got.path, got.query) == ("/catalog/books/search", {"q": ["tea"], "genre": ["history"]})
    assert got.headers["authorization"] == f"Bearer {SECRET}"

    book = {"title": "Tea", "genre": "history", "subtitle": None, "related": [{"title": "Leaves"}]}
    assert call(api_app, acc, pid, "addBook", book).ok
    assert json.loads(received(api_server).body) == {"title": "Tea", "genre": "history", "related": [{"title": "Leaves"}]}
    assert call(api_app, acc, pid, "replaceBook", {"bookId": isbn, **book}).ok
    assert (received(api_server).method, received(api_server).path) == ("PUT", f"/catalog/books/{isbn}")
    assert call(api_app, acc, pid, "getBook", {"bookId": isbn}).ok
    assert call(api_app, acc, pid, "deleteBook", {"bookId": isbn}).ok
    assert received(api_server).method == "DELETE"
    r = call(api_app, acc, pid, "getBook", {"bookId": "not-an-isbn!"})
    assert not r.ok and "bookId" in r.text  # the $ref'd pattern applies


# -- the course dialect, as the console sends it: api key in the query, custom headers --------
def test_course_dialect_calls(api_app, aconsole, api_server):
    pid = create(aconsole, fixture_text("course-dialect.json"),
                 headers=[{"key": "Authorization", "value": f"Token {SECRET}"}, {"key": "", "value": ""}],
                 auth={"type": "api_key", "in": "query", "name": "appkey", "api_key": SECRET})
    acc = aconsole.account.account_id

    assert call(api_app, acc, pid, "YoudaoSuggest", {"q": "love"}).ok
    got = received(api_server)
    assert (got.method, got.path, got.query) == ("GET", "/dict", {"q": ["love"], "appkey": [SECRET]})
    assert got.headers["authorization"] == f"Token {SECRET}"

    assert call(api_app, acc, pid, "SaveWord", {"word": "tea", "level": "3", "starred": "false", "X-Book": "b1"}).ok
    got = received(api_server)
    assert got.method == "POST" and json.loads(got.body) == {"word": "tea", "level": 3, "starred": False}
    assert got.headers["x-book"] == "b1"

    assert call(api_app, acc, pid, "GetWord", {"word": "hello", "score": "0.5", "uid": "u1"}).ok
    got = received(api_server)
    assert (got.path, got.query["score"], got.headers["cookie"]) == ("/words/hello", ["0.5"], "uid=u1")


def test_path_values_cannot_escape_their_segment(api_app, aconsole, api_server):
    pid = create(aconsole, fixture_text("course-dialect.json"))
    r = call(api_app, aconsole.account.account_id, pid, "GetWord", {"word": "../dict?q=x#", "score": 1})
    got = received(api_server)
    assert got.path == "/words/..%2Fdict%3Fq%3Dx%23" and got.query == {"score": ["1"]}
    assert not r.ok and "404" in r.text


# -- answers that are not a plain success -----------------------------------------------------
def test_non_2xx_answers_are_readable_observations(api_app, aconsole):
    pid = create(aconsole, fixture_text("petstore-3.0.yaml"))
    acc = aconsole.account.account_id
    r = call(api_app, acc, pid, "getPet", {"petId": 404})
    assert not r.ok and r.text == 'error: the API answered HTTP 404 Not Found: {"code": 404, "message": "no such pet"}'
    r = call(api_app, acc, pid, "getPet", {"petId": 500})
    assert not r.ok and r.text == "error: the API answered HTTP 500 Internal Server Error: database on fire"


def test_redirects_are_not_followed(api_app, aconsole, api_server):
    pid = create(aconsole, fixture_text("petstore-3.0.yaml"), auth={"type": "bearer", "token": SECRET})
    r = call(api_app, aconsole.account.account_id, pid, "getPet", {"petId": 302})
    assert not r.ok and "HTTP 302" in r.text
    assert len(api_server.requests) == 1  # the credentials went nowhere else


def test_response_size_is_capped(api_app, aconsole):
    pid = create(aconsole, fixture_text("petstore-3.0.yaml"))
    r = call(api_app, aconsole.account.account_id, pid, "getPet", {"petId": 9})
    assert r.ok and r.truncated and len(r.text) <= 16_000  # read cap 100 000 bytes, then the result cap


def test_a_silent_api_times_out(api_app, aconsole):
    doc = json.loads(fixture_text("course-dialect.json"))
    doc["server"] = "http://slow.test"
    pid = create(aconsole, json.dumps(doc))
    r = call(api_app, aconsole.account.account_id, pid, "YoudaoSuggest", {"q": "x"})
    assert not r.ok and "did not answer in time" in r.text and r.latency_s < 5


# -- tenants -----------------------------------------------------------------------------------
def test_resolution_checks_ownership(api_app, aconsole, other_aconsole):
    pid = create(aconsole, fixture_text("petstore-3.0.yaml"), auth={"type": "bearer", "token": SECRET})
    assert resolve(api_app, aconsole.account.account_id, pid, "getPet").name == "getPet"
    for provider_id, tool in ((pid, "getPet"), (pid, "nope"), ("not-a-uuid", "getPet"),
                              ("00000000-0000-0000-0000-000000000000", "getPet"), (pid, "")):
        with pytest.raises(ToolNotFoundError):
            resolve(api_app, other_aconsole.account.account_id, provider_id, tool)
    with pytest.raises(ToolNotFoundError) as own_missing:
        resolve(api_app, aconsole.account.account_id, pid, "nope")
    with pytest.raises(ToolNotFoundError) as foreign:
        resolve(api_app, other_aconsole.account.account_id, pid, "getPet")
    assert str(own_missing.value) == str(foreign.value)  # existence does not leak


# -- SSRF: the API tool's server is checked at the guard ---------------------------------------
BLOCKED_SERVERS = ["http://127.0.0.1:8080", "http://localhost", "http://[::1]", "http://0.0.0.0",
                   "http://169.254.169.254/latest", "http://10.0.0.5", "http://172.16.3.4", "http://192.168.1.1",
                   "http://2130706433", "http://0x7f.1", "http://[::ffff:127.0.0.1]", "http://internal.test",
                   "http://meta.test", "http://mixed.test"]


@pytest.mark.parametrize("server", BLOCKED_SERVERS)
def test_private_and_metadata_servers_are_refused_at_the_guard(api_app, aconsole, api_seams, server):
    _, connector = api_seams
    doc = json.loads(fixture_text("course-dialect.json"))
    doc["server"] = server
    pid = create(aconsole, json.dumps(doc))
    before = len(connector.calls)
    r = call(api_app, aconsole.account.account_id, pid, "YoudaoSuggest", {"q": "x"})
    assert not r.ok and "not allowed" in r.text, r.text
    assert connector.calls[before:] == []  # refused before any connection


def test_allow_list_lets_a_configured_local_server_through(app, pg_config, api_server):
    allowed_app = build_api_app(pg_config, SSRF_ALLOWED_HOSTS=[f"127.0.0.1:{api_server.port}"])
    account = make_account(allowed_app)
    from test.conftest import ConsoleClient

    console = ConsoleClient(allowed_app, account)
    doc = json.loads(fixture_text("course-dialect.json"))
    doc["server"] = api_server.url
    pid = create(console, json.dumps(doc))
    ok = call(allowed_app, account.account_id, pid, "YoudaoSuggest", {"q": "tea"})
    assert ok.ok and received(api_server).query == {"q": ["tea"]}
    doc["server"] = "http://127.0.0.1:1"  # another port of the same host is not allow-listed
    other = create(console, json.dumps(doc), name="other port")
    refused = call(allowed_app, account.account_id, other, "YoudaoSuggest", {"q": "tea"})
    assert not refused.ok and "not allowed" in refused.text


def test_secrets_stay_out_of_logs_and_observations(api_app, aconsole, caplog):
    caplog.set_level(logging.DEBUG)
    pid = create(aconsole, fixture_text("petstore-3.0.yaml"), auth={"type": "api_key", "api_key": SECRET},
                 headers=[{"key": "X-Secret-Header", "value": SECRET + "-h"}])
    results = [call(api_app, aconsole.account.account_id, pid, "getPet", {"petId": p}) for p in (7, 404, 500, 302)]
    doc = json.loads(fixture_text("course-dialect.json"))
    doc["server"] = "http://10.0.0.5"
    blocked = create(aconsole, json.dumps(doc), name="blocked", auth={"type": "api_key", "in": "query",
                                                                        "name": "k", "api_key": SECRET})
    results.append(call(api_app, aconsole.account.account_id, blocked, "YoudaoSuggest", {"q": "x"}))
    for r in results[1:]:
        assert SECRET not in r.text
    assert SECRET not in caplog.text


def test_an_edited_provider_is_called_with_its_new_document_and_secrets(api_app, aconsole, api_server):
    pid = create(aconsole, fixture_text("petstore-3.0.yaml"), auth={"type": "bearer", "token": SECRET},
                 headers=[{"key": "X-Team", "value": "blue"}])
    acc = aconsole.account.account_id
    assert call(api_app, acc, pid, "getPet", {"petId": 7}).ok  # resolved once: spec and secrets cached
    assert received(api_server).headers["authorization"] == f"Bearer {SECRET}"
    doc = fixture_text("petstore-3.0.yaml").replace("operationId: getPet", "operationId: fetchPet")
    body = aconsole.post(f"/api-tools/{pid}", json={"name": "provider", "openapi_schema": doc,
                                                    "headers": [{"key": "X-Team", "value": "red"}],
                                                    "auth": {"type": "bearer", "token": "new-token-abcdef0123"}})
    assert body["code"] == "success", body
    with pytest.raises(ToolNotFoundError):
        resolve(api_app, acc, pid, "getPet")
    assert call(api_app, acc, pid, "fetchPet", {"petId": 7}).ok
    got = received(api_server)
    assert (got.headers["authorization"], got.headers["x-team"]) == ("Bearer new-token-abcdef0123", "red")

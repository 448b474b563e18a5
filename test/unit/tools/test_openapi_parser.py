"""The OpenAPI parser: the console's dialect, OpenAPI 3.0/3.1 and Swagger 2.0 into operation specs,
and bad documents into errors that say where they are wrong."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from internal.core.tools.api_tools import OpenAPIDocumentError, OperationSpec, parse_openapi

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "openapi"


def fixture(name: str) -> str:
    return (FIXTURES / name).read_text()


def ops(spec) -> dict[str, OperationSpec]:
    return {op.name: op for op in spec.operations}


def error_of(text: str) -> OpenAPIDocumentError:
    with pytest.raises(OpenAPIDocumentError) as info:
        parse_openapi(text)
    return info.value


def minimal(paths: dict, **top) -> str:
    return json.dumps({"openapi": "3.0.3", "info": {"title": "t", "version": "1"},
                       "servers": [{"url": "https://api.example.test"}], "paths": paths, **top})


# -- the four fixtures ------------------------------------------------------------------------
def test_petstore_openapi_3_0():
    spec = parse_openapi(fixture("petstore-3.0.yaml"))
    assert spec.dialect == "openapi-3.0"
    assert spec.server_url == "http://petstore.test:80/v1"  # server variables take their defaults
    assert spec.description == "Manage the pets of a small store."
    by_name = ops(spec)
    assert list(by_name) == ["listPets", "addPet", "getPet", "updatePet", "deletePet"]
    # the same path keeps every method
    assert {(o.method, o.path) for o in spec.operations if o.path == "/pets/{petId}"} == {
        ("GET", "/pets/{petId}"), ("PUT", "/pets/{petId}"), ("DELETE", "/pets/{petId}")}
    listing = by_name["listPets"]
    assert [(p.name, p.location) for p in listing.params] == [
        ("limit", "query"), ("status", "query"), ("X-Trace", "header"), ("session", "cookie")]
    assert listing.input_schema["properties"]["limit"] == {
        "type": "integer", "minimum": 1, "maximum": 100, "default": 20, "description": "How many pets to return"}
    assert listing.input_schema["properties"]["status"]["items"]["enum"] == ["available", "pending", "sold"]
    assert listing.description == "List the pets, optionally by status"  # summary when no description
    add = by_name["addPet"]
    assert add.body.media_type == "application/json" and not add.body.whole and add.body.required
    assert add.input_schema["required"] == ["name"]
    assert add.input_schema["properties"]["tag"]["type"] == ["string", "null"]  # 3.0 nullable
    assert add.input_schema["properties"]["status"]["default"] == "available"
    update = by_name["updatePet"]  # path-level parameter ($ref) merged into each operation
    assert update.params[0].name == "petId" and update.params[0].required
    assert update.input_schema["required"] == ["petId", "name"]
    assert spec.security.type == "api_key" and spec.security.name == "X-Store-Key"


def test_swagger_2_0_is_converted():
    spec = parse_openapi(fixture("todo-swagger-2.0.json"))
    assert spec.dialect == "swagger-2.0" and spec.server_url == "http://todo.test/api"
    by_name = ops(spec)
    assert list(by_name) == ["list_todos", "createTodo", "updateTodo", "deleteTodo", "addNote"]  # sanitised name
    create = by_name["createTodo"]
    assert [p.name for p in create.params] == ["title", "done", "priority", "owner"]
    assert create.input_schema["properties"]["owner"] == {"type": "object", "properties": {"name": {"type": "string"}}}
    assert "exclusiveMaximum" not in create.input_schema["properties"]["priority"]  # boolean form dropped
    note = by_name["addNote"]
    assert note.body.media_type == "application/x-www-form-urlencoded"
    assert [(p.name, p.location, p.required) for p in note.params] == [
        ("todoId", "path", True), ("text", "body", True), ("pinned", "body", False)]
    assert by_name["list_todos"].input_schema["properties"]["page"]["default"] == 1
    assert spec.security.type == "basic"


def test_openapi_3_1_with_refs():
    spec = parse_openapi(fixture("library-3.1.yaml"))
    assert spec.dialect == "openapi-3.1" and spec.server_url == "http://library.test/catalog"
    by_name = ops(spec)
    assert list(by_name) == ["searchBooks", "addBook", "getBook", "replaceBook", "deleteBook"]  # path item $ref
    search = by_name["searchBooks"]
    assert search.input_schema["required"] == ["q"]
    assert search.input_schema["properties"]["genre"]["enum"] == ["fiction", "science", "history"]
    add = by_name["addBook"].input_schema
    assert add["properties"]["subtitle"]["type"] == ["string", "null"]
    assert add["properties"]["genre"]["description"] == "The main genre"  # 3.1 sibling of $ref kept
    assert "recursive reference" in add["properties"]["related"]["items"]["description"]  # cycle cut
    assert by_name["getBook"].input_schema["properties"]["bookId"]["pattern"] == "^[0-9-]{10,17}$"
    assert spec.security.type == "bearer"


def test_course_dialect_exactly_as_the_console_sends_it():
    spec = parse_openapi(fixture("course-dialect.json"))
    assert spec.dialect == "course" and spec.server_url == "http://dict.test"
    assert spec.description == "这是一个查询对应英文单词字典的工具"
    by_name = ops(spec)
    assert list(by_name) == ["YoudaoSuggest", "SaveWord", "GetWord"]  # get and post of /dict both kept
    save = by_name["SaveWord"]
    assert [(p.name, p.location) for p in save.params] == [
        ("word", "body"), ("level", "body"), ("starred", "body"), ("X-Book", "header")]
    assert {k: v["type"] for k, v in save.input_schema["properties"].items()} == {
        "word": "string", "level": "integer", "starred": "boolean", "X-Book": "string"}
    assert save.inputs()[0] == {"name": "word", "type": "str", "description": "单词", "required": True}
    assert [i["type"] for i in by_name["GetWord"].inputs()] == ["str", "float", "str"]


@pytest.mark.parametrize("name", ["petstore-3.0.yaml", "todo-swagger-2.0.json", "library-3.1.yaml",
                                  "course-dialect.json"])
def test_every_input_schema_is_valid_json_schema_and_round_trips(name):
    for op in parse_openapi(fixture(name)).operations:
        Draft202012Validator.check_schema(op.input_schema)
        assert OperationSpec.from_dict(json.loads(json.dumps(op.to_dict()))) == op
        assert len(op.name) <= 64


def test_yaml_and_json_give_the_same_specs():
    import yaml

    as_json = json.dumps(yaml.safe_load(fixture("petstore-3.0.yaml")))
    assert parse_openapi(as_json) == parse_openapi(fixture("petstore-3.0.yaml"))


# -- names ----------------------------------------------------------------------------------
def test_names_are_sanitised_unique_and_at_most_64_chars():
    long_id = "x" * 80
    doc = minimal({
        "/a": {"get": {"operationId": long_id}, "post": {"operationId": long_id}},
        "/b/{id}": {"get": {"parameters": [{"name": "id", "in": "path", "required": True}]}},
        "/c": {"get": {"operationId": "héllo wörld.v2"}},
    })
    names = [op.name for op in parse_openapi(doc).operations]
    assert names[0] == "x" * 64 and names[1] == "x" * 62 + "_2"
    assert names[2] == "get_b_id"  # no operationId: from method and path
    assert names[3] == "h_llo_w_rld_v2"


def test_input_name_clash_between_locations_is_renamed():
    doc = minimal({"/items/{id}": {"put": {
        "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
        "requestBody": {"content": {"application/json": {"schema": {
            "type": "object", "properties": {"id": {"type": "string"}, "name": {"type": "string"}}}}}}}}})
    op = parse_openapi(doc).operations[0]
    assert [(p.name, p.location, p.wire) for p in op.params] == [
        ("id", "path", "id"), ("body_id", "body", "id"), ("name", "body", "name")]


def test_non_object_and_non_json_bodies_are_one_body_input():
    doc = minimal({"/raw": {"post": {"requestBody": {"content": {"text/plain": {"schema": {"type": "string"}}}}}},
                   "/list": {"post": {"requestBody": {"required": True, "content": {
                       "application/json": {"schema": {"type": "array", "items": {"type": "integer"}}}}}}}})
    raw, listing = parse_openapi(doc).operations
    assert raw.body.whole and raw.body.media_type == "text/plain" and raw.params[0].name == "body"
    assert listing.body.whole and listing.input_schema["properties"]["body"]["type"] == "array"
    assert listing.input_schema["required"] == ["body"]


def test_read_only_properties_are_not_inputs():
    doc = minimal({"/p": {"post": {"requestBody": {"content": {"application/json": {"schema": {
        "type": "object", "required": ["id", "name"],
        "properties": {"id": {"type": "integer", "readOnly": True}, "name": {"type": "string"}}}}}}}}})
    op = parse_openapi(doc).operations[0]
    assert [p.name for p in op.params] == ["name"] and op.input_schema["required"] == ["name"]


def test_reserved_header_parameters_are_ignored():
    doc = minimal({"/h": {"get": {"parameters": [
        {"name": "Authorization", "in": "header", "schema": {"type": "string"}},
        {"name": "X-Ok", "in": "header", "schema": {"type": "string"}}]}}})
    assert [p.name for p in parse_openapi(doc).operations[0].params] == ["X-Ok"]


def test_operation_level_servers_win():
    doc = minimal({"/a": {"servers": [{"url": "https://path-level.test"}],
                          "get": {"servers": [{"url": "https://op-level.test/x"}]}, "post": {}}})
    get, post = parse_openapi(doc).operations
    assert get.server_url == "https://op-level.test/x" and post.server_url == "https://path-level.test"


# -- bad documents: the error names the spot ------------------------------------------------
def test_json_syntax_error_names_the_line():
    err = error_of('{\n  "openapi": "3.0.0",\n  "paths": {,}\n}')
    assert err.line == 3 and "invalid JSON" in err.message and "line 3" in err.message


def test_yaml_syntax_error_names_the_line():
    err = error_of("openapi: 3.0.0\ninfo:\n  title: [unclosed\npaths: {}\n")
    assert err.line is not None and err.line >= 3 and "invalid YAML" in err.message


@pytest.mark.parametrize("doc, pointer, words", [
    (minimal({"/a": {"get": {"parameters": [{"name": "a", "in": "body"}]}}}),
     "/paths/~1a/get/parameters/0/in", "must be one of"),
    (minimal({"/a/{id}": {"get": {}}}), "/paths/~1a~1{id}/get", "'id' is used in the path but not declared"),
    (minimal({"/a": {"get": {"parameters": [{"$ref": "#/components/parameters/Nope"}]}}}),
     "/paths/~1a/get/parameters/0/$ref", "points to nothing"),
    (minimal({"/a": {"get": {"parameters": [{"$ref": "https://evil.test/p.json"}]}}}),
     "/paths/~1a/get/parameters/0/$ref", "remote $ref"),
    (minimal({"/a": {"post": {"requestBody": {"content": {"application/json": {
        "schema": {"$ref": "other.yaml#/Pet"}}}}}}}), None, "remote $ref"),
    (minimal({"a": {"get": {}}}), "/paths/a", "must start with '/'"),
    (minimal({}), "/paths", "non-empty"),
    (minimal({"/a": {"trace": {}}}), "/paths", "no operations"),
    (minimal({"/a": {"get": {"parameters": [{"name": "n", "in": "query", "schema": {"type": "strin"}}]}}}),
     "/paths/~1a/get/parameters/0/schema/type", "invalid schema"),
    (json.dumps({"openapi": "3.0.0", "paths": {"/a": {"get": {}}}}), "/servers", "declares no server"),
    (json.dumps({"openapi": "3.0.0", "servers": [{"url": "/relative"}], "paths": {"/a": {"get": {}}}}),
     "/servers/0/url", "absolute http(s) URL"),
    (json.dumps({"openapi": "3.0.0", "servers": [{"url": "https://{region}.api.test"}], "paths": {"/a": {"get": {}}}}),
     "/servers/0/variables", "'region' has no default"),
    (json.dumps({"openapi": "3.0.0", "servers": [{"url": "https://u:p@api.test"}], "paths": {"/a": {"get": {}}}}),
     "/servers/0/url", "credentials"),
    (json.dumps({"openapi": "2.5"}), "/openapi", "unsupported OpenAPI version"),
    (json.dumps({"swagger": "2.0", "paths": {"/a": {"get": {}}}}), "/host", "need a 'host'"),
    (json.dumps({"info": {}}), "/", "not an OpenAPI document"),
    ("[1, 2]", "/", "must be a JSON object"),
])
def test_structure_errors_carry_a_json_pointer(doc, pointer, words):
    err = error_of(doc)
    assert words in err.message
    if pointer is not None:
        assert err.pointer == pointer, err.message
        assert pointer in err.message


@pytest.mark.parametrize("doc, pointer", [
    ({"description": "d", "paths": {"/a": {"get": {"operationId": "a", "description": "x"}}}}, "/server"),
    ({"server": "https://a.test", "paths": {"/a": {"get": {"operationId": "a", "description": "x"}}}}, "/description"),
    ({"server": "https://a.test", "description": "d", "paths": {"/a": {"get": {"description": "x"}}}},
     "/paths/~1a/get/operationId"),
    ({"server": "https://a.test", "description": "d", "paths": {"/a": {"get": {"operationId": "a"}}}},
     "/paths/~1a/get/description"),
    ({"server": "https://a.test", "description": "d", "paths": {"/a": {"get": {
        "operationId": "a", "description": "x", "parameters": [{"name": "q", "in": "query", "type": "list"}]}}}},
     "/paths/~1a/get/parameters/0/type"),
    ({"server": "https://a.test", "description": "d", "paths": {"/a": {"get": {
        "operationId": "a", "description": "x", "parameters": [{"name": "q", "in": "form", "type": "str"}]}}}},
     "/paths/~1a/get/parameters/0/in"),
    ({"server": "ftp://a.test", "description": "d", "paths": {"/a": {"get": {"operationId": "a", "description": "x"}}}},
     "/server"),
])
def test_course_dialect_rules(doc, pointer):
    assert error_of(json.dumps(doc)).pointer == pointer


def test_reference_bomb_is_refused_cleanly():
    schemas = {"L0": {"type": "string"}}
    for i in range(1, 30):  # each level doubles: 2^29 nodes if inlined naively
        schemas[f"L{i}"] = {"type": "object", "properties": {
            "a": {"$ref": f"#/components/schemas/L{i - 1}"}, "b": {"$ref": f"#/components/schemas/L{i - 1}"}}}
    doc = minimal({"/a": {"post": {"requestBody": {"content": {"application/json": {
        "schema": {"$ref": "#/components/schemas/L29"}}}}}}}, components={"schemas": schemas})
    assert "too large" in error_of(doc).message


def test_yaml_alias_bomb_is_refused_cleanly():
    lines = ["openapi: 3.0.0", "servers: [{url: 'https://a.test'}]", "x0: &a0 [x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 10):
        lines.append(f"x{i}: &a{i} [*a{i-1}, *a{i-1}, *a{i-1}, *a{i-1}, *a{i-1}, *a{i-1}, *a{i-1}, *a{i-1}, *a{i-1}]")
    lines.append("paths: {/a: {get: {}}}")
    with pytest.raises(OpenAPIDocumentError):
        parse_openapi("\n".join(lines))


def test_empty_and_oversized_documents():
    assert "empty" in error_of("   ").message
    assert "larger than" in error_of("{" + " " * 1_000_001 + "}").message

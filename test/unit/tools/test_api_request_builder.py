"""Tool arguments → HTTP request: encoding that cannot be turned into injection, header layering
that keeps credentials out of the model's reach."""
from __future__ import annotations

import base64
import json
from urllib.parse import parse_qs, urlsplit

import pytest

from internal.core.tools.api_tools import ApiAuth, build_request, parse_openapi
from internal.core.tools.base import ToolInputError

DOC = json.dumps({
    "openapi": "3.1.0", "info": {"title": "t", "version": "1"}, "servers": [{"url": "https://api.test/base"}],
    "paths": {
        "/files/{folder}/{name}": {"get": {"operationId": "getFile", "parameters": [
            {"name": "folder", "in": "path", "required": True, "schema": {"type": "string"}},
            {"name": "name", "in": "path", "required": True, "schema": {"type": "string"}},
            {"name": "tags", "in": "query", "schema": {"type": "array", "items": {"type": "string"}}},
            {"name": "raw", "in": "query", "schema": {"type": "boolean"}},
            {"name": "X-Mode", "in": "header", "schema": {"type": "string"}},
            {"name": "X-Api-Key", "in": "header", "schema": {"type": "string"}},
            {"name": "sid", "in": "cookie", "schema": {"type": "string"}}]}},
        "/notes": {"post": {"operationId": "addNote", "requestBody": {"content": {
            "application/x-www-form-urlencoded": {"schema": {"type": "object", "properties": {
                "text": {"type": "string"}, "pinned": {"type": "boolean"}}}}}}},
                   "put": {"operationId": "putNote", "requestBody": {"required": True, "content": {
                       "application/json": {"schema": {"type": "object", "properties": {
                           "text": {"type": "string"}, "meta": {"type": "object"}}}}}}}},
    }})
OPS = {op.name: op for op in parse_openapi(DOC).operations}


def header(req, name):
    return next((v for k, v in req.headers if k.lower() == name.lower()), None)


@pytest.mark.parametrize("value, encoded", [
    ("../../admin", "..%2F..%2Fadmin"),
    ("a?x=1#frag", "a%3Fx%3D1%23frag"),
    ("{name}", "%7Bname%7D"),
    ("a b/c", "a%20b%2Fc"),
    ("%2e%2e", "%252e%252e"),
])
def test_path_values_are_one_encoded_segment(value, encoded):
    req = build_request(OPS["getFile"], {"folder": value, "name": "x"}, [], ApiAuth())
    assert req.url == f"https://api.test/base/files/{encoded}/x"
    assert urlsplit(req.url).query == "" and urlsplit(req.url).fragment == ""


@pytest.mark.parametrize("value", [".", "..", ""])
def test_dot_segments_are_refused(value):
    with pytest.raises(ToolInputError):
        build_request(OPS["getFile"], {"folder": value, "name": "x"}, [], ApiAuth())


def test_query_arrays_booleans_and_auth_in_query():
    auth = ApiAuth(type="api_key", location="query", name="key", value="s3cr&t")
    req = build_request(OPS["getFile"], {"folder": "f", "name": "n", "tags": ["a", "b&c"], "raw": False}, [], auth)
    assert parse_qs(urlsplit(req.url).query) == {"tags": ["a", "b&c"], "raw": ["false"], "key": ["s3cr&t"]}


def test_header_layers_auth_wins_over_custom_headers_and_model_inputs():
    auth = ApiAuth(type="api_key", location="header", name="X-Api-Key", value="real-key")
    req = build_request(OPS["getFile"], {"folder": "f", "name": "n", "X-Mode": "fast", "X-Api-Key": "from-model"},
                        [("X-Mode", "custom"), ("X-Team", "t1")], auth)
    assert header(req, "X-Api-Key") == "real-key"
    assert header(req, "X-Mode") == "custom"  # provider headers win over model inputs
    assert header(req, "X-Team") == "t1"
    assert header(req, "User-Agent").startswith("LLMOps-ApiTool")


@pytest.mark.parametrize("args", [{"X-Mode": "a\r\nX-Evil: 1"}, {"X-Mode": "a\nb"}, {"X-Mode": "中文"}])
def test_line_breaks_in_header_values_are_refused(args):
    with pytest.raises(ToolInputError):
        build_request(OPS["getFile"], {"folder": "f", "name": "n", **args}, [], ApiAuth())


def test_cookie_values_are_encoded():
    req = build_request(OPS["getFile"], {"folder": "f", "name": "n", "sid": "a; admin=1"}, [], ApiAuth())
    assert header(req, "Cookie") == "sid=a%3B%20admin%3D1"


def test_bearer_and_basic():
    bearer = build_request(OPS["getFile"], {"folder": "f", "name": "n"}, [], ApiAuth(type="bearer", value="tok"))
    assert header(bearer, "Authorization") == "Bearer tok"
    basic = build_request(OPS["getFile"], {"folder": "f", "name": "n"}, [("Authorization", "custom")],
                          ApiAuth(type="basic", username="ann", value="pw:1"))
    assert header(basic, "Authorization") == "Basic " + base64.b64encode(b"ann:pw:1").decode()


def test_form_and_json_bodies():
    form = build_request(OPS["addNote"], {"text": "hi & bye", "pinned": True}, [], ApiAuth())
    assert form.method == "POST" and header(form, "Content-Type") == "application/x-www-form-urlencoded"
    assert parse_qs(form.body.decode()) == {"text": ["hi & bye"], "pinned": ["true"]}
    put = build_request(OPS["putNote"], {"text": "x", "meta": {"a": [1]}}, [], ApiAuth())
    assert put.method == "PUT" and json.loads(put.body) == {"text": "x", "meta": {"a": [1]}}
    assert header(put, "Content-Type") == "application/json"
    empty = build_request(OPS["addNote"], {}, [], ApiAuth())  # optional body, no fields: no body at all
    assert empty.body is None and header(empty, "Content-Type") is None

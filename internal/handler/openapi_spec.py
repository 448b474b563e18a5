"""Build the OpenAPI 3.1 document from the app itself: every route in `app.url_map`, and the
`__openapi__` metadata that @validate (internal/handler/validation.py) attaches to a view —
the same pydantic models that validate requests become `components.schemas`.
"""
from __future__ import annotations

import re
from typing import Any

from flask import Flask
from flask_login import login_required
from pydantic import BaseModel, TypeAdapter
from pydantic.json_schema import models_json_schema

from internal.entity.surface import Surface, surface_for
from internal.handler.validation import OPENAPI_ATTR
from pkg.paginator import PaginatorReq

REF = "#/components/schemas/{model}"
_RULE_ARG = re.compile(r"<(?:(?P<converter>\w+)(?:\([^)]*\))?:)?(?P<name>\w+)>")
_CONVERTER_SCHEMA = {
    "uuid": {"type": "string", "format": "uuid"}, "int": {"type": "integer"}, "float": {"type": "number"},
    "path": {"type": "string"}, "string": {"type": "string"}, "default": {"type": "string"},
}
_LOGIN_REQUIRED_CODE = login_required(lambda: None).__code__
_ENVELOPE_CODES = ["success", "fail", "not_found", "unauthorized", "forbidden", "validate_error"]

SECURITY_SCHEMES = {
    "ConsoleJWT": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT",
                   "description": "Access token from POST /auth/password-login (console routes)."},
    "ApiKey": {"type": "http", "scheme": "bearer",
               "description": "An API key created under /openapi/api-keys (third-party and /v1 routes)."},
}
SURFACE_SECURITY = {Surface.CONSOLE: "ConsoleJWT", Surface.OPENAPI: "ApiKey", Surface.OPENAI: "ApiKey"}


def openapi_path(rule: str) -> tuple[str, list[dict]]:
    """Flask `/apps/<uuid:app_id>` → OpenAPI `/apps/{app_id}` plus its path parameters."""
    params = []
    for match in _RULE_ARG.finditer(rule):
        converter = match.group("converter") or "default"
        params.append({"name": match.group("name"), "in": "path", "required": True,
                       "schema": dict(_CONVERTER_SCHEMA.get(converter, {"type": "string"}))})
    return _RULE_ARG.sub(lambda m: "{" + m.group("name") + "}", rule), params


def requires_login(view: Any) -> bool:
    """True when flask_login.login_required wraps the view (anywhere in the __wrapped__ chain)."""
    seen = 0
    while view is not None and seen < 20:
        function = getattr(view, "__func__", view)
        if getattr(function, "__code__", None) is _LOGIN_REQUIRED_CODE:
            return True
        view = getattr(function, "__wrapped__", None)
        seen += 1
    return False


class _Schemas:
    """Collects every model first, then renders them together so shared sub-models and
    input/output variants get one consistent set of component names."""

    def __init__(self) -> None:
        self.models: list[tuple[type[BaseModel], str]] = []
        self.refs: dict[tuple[type[BaseModel], str], dict] = {}
        self.components: dict[str, Any] = {}

    def want(self, model: Any, mode: str) -> None:
        if _is_model(model) and (model, mode) not in self.models:
            self.models.append((model, mode))

    def build(self) -> None:
        if not self.models:
            return
        refs, top = models_json_schema(self.models, ref_template=REF)
        self.refs = refs
        self.components.update(top.get("$defs", {}))

    def schema(self, model: Any, mode: str) -> dict:
        if model is None:
            return {}
        if _is_model(model):
            return self.refs[(model, mode)]
        # list[Model], dict[...], unions: a TypeAdapter renders them; hoist their $defs.
        adapter_schema = TypeAdapter(model).json_schema(mode=mode, ref_template=REF)
        self.components.update(adapter_schema.pop("$defs", {}))
        return adapter_schema


def _is_model(value: Any) -> bool:
    return isinstance(value, type) and issubclass(value, BaseModel)


def _query_parameters(model: Any, schemas: _Schemas) -> list[dict]:
    if not _is_model(model):
        return []
    schema = model.model_json_schema(mode="validation", ref_template=REF)
    schemas.components.update(schema.pop("$defs", {}))
    required = set(schema.get("required", []))
    params = []
    for name, prop in schema.get("properties", {}).items():
        param = {"name": name, "in": "query", "required": name in required, "schema": prop}
        if "description" in prop:
            param["description"] = prop["description"]
        params.append(param)
    return params


def _json(schema: dict) -> dict:
    return {"application/json": {"schema": schema}}


# What a text/event-stream response holds: events (`event:` name, one `data:` line), as SSE
# clients and schemathesis read them — never one string (that fails every streamed answer).
SSE_EVENT = {"type": "object", "required": ["data"], "properties": {
    "event": {"type": "string"}, "data": {"type": "string"}, "id": {"type": "string"}, "retry": {"type": "integer"}}}


def _media_schema(media: str, other: dict) -> dict:
    return {"schema": SSE_EVENT if media == "text/event-stream" else other}


def _error(description: str, ref: dict) -> dict:
    return {"description": description, "content": _json(ref)}


def _console_responses(data_schema: dict, produces: tuple[str, ...]) -> dict:
    success = {"type": "object", "required": ["code", "message", "data"], "properties": {
        "code": {"const": "success"}, "message": {"type": "string"}, "data": data_schema or {}}}
    content = _json({"anyOf": [success, {"$ref": REF.format(model="ConsoleError")}]})
    for media in produces:
        content[media] = _media_schema(media, {"type": "string", "format": "binary"})
    return {"200": {"description": "Always HTTP 200; errors travel in `code` (console contract): the success "
                                   "envelope carries `data`, an error envelope names its `code`.",
                    "content": content}}


def _api_responses(surface: Surface, data_schema: dict, secured: bool, has_path_params: bool,
                   meta: dict) -> dict:
    """Real status codes: what the route answers, and every error it can answer (with the
    surface's error schema, never the success one)."""
    content: dict[str, Any] = _json(data_schema) if data_schema else {}
    for media in meta.get("produces", ()):
        content[media] = _media_schema(media, {"type": "string"})
    responses: dict[str, Any] = {"200": {"description": "OK", **({"content": content} if content else {})}}
    error_ref = {"$ref": REF.format(model="OpenAIError" if surface is Surface.OPENAI else "Error")}
    if surface is Surface.OPS:
        if has_path_params:
            responses["404"] = _error("Not found", error_ref)
        return responses
    responses["400"] = _error("Invalid request", error_ref)
    if secured:
        responses["401"] = _error("Missing, invalid or disabled API key", error_ref)
        responses["429"] = _error("Rate limit of the API key (see Retry-After)", error_ref)
    if has_path_params or meta.get("gateway"):
        responses["404"] = _error("Not found (for /v1: `model_not_found`)", error_ref)
    if surface is Surface.OPENAI:
        responses["413"] = _error("Request body too large", error_ref)
    if meta.get("gateway"):
        responses["502"] = _error("The upstream model failed or answered unusably (`upstream_error`, "
                                  "`upstream_invalid_response`, `upstream_connection_error`)", error_ref)
        responses["503"] = _error("Every deployment of the model is cooling down (`no_deployment_available`)",
                                  error_ref)
        responses["504"] = _error("The upstream model timed out (`upstream_timeout`)", error_ref)
    return responses


def _data_schema(meta: dict, schemas: _Schemas) -> dict:
    """The documented `data`: a paginated route (its query is a PaginatorReq) answers
    `{list: [item], paginator}`; `response=list[Model]` renders as an array."""
    item = schemas.schema(meta.get("response"), "serialization")
    query = meta.get("query")
    if _is_model(query) and issubclass(query, PaginatorReq):
        return {"type": "object", "required": ["list", "paginator"], "properties": {
            "list": {"type": "array", "items": item or {}}, "paginator": {"$ref": REF.format(model="Paginator")}}}
    return item


ERROR_COMPONENTS = {
    "Error": {"type": "object", "required": ["code", "message"], "properties": {
        "code": {"type": "string"}, "message": {"type": "string"}, "data": {},
        "request_id": {"type": "string"}}},
    "ConsoleError": {"type": "object", "required": ["code", "message", "data"], "properties": {
        "code": {"type": "string", "enum": [c for c in _ENVELOPE_CODES if c != "success"]},
        "message": {"type": "string"}, "data": {}}},
    "OpenAIError": {"type": "object", "required": ["error"], "properties": {"error": {
        "type": "object", "required": ["message", "type"], "properties": {
            "message": {"type": "string"}, "type": {"type": "string"},
            "param": {"type": ["string", "null"]}, "code": {"type": ["string", "null"]}}}}},
    "Paginator": {"type": "object", "required": ["total_page", "total_record", "current_page", "page_size"],
                  "properties": {name: {"type": "integer", "minimum": 0} for name in (
                      "total_page", "total_record", "current_page", "page_size")}},
}


def build_openapi(app: Flask, title: str = "LLMOps API", version: str = "0.1.0") -> dict:
    schemas = _Schemas()
    routes = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint)):
        if rule.endpoint == "static" or rule.endpoint.endswith(".static"):
            continue
        view = app.view_functions.get(rule.endpoint)
        meta = getattr(view, OPENAPI_ATTR, None) or {}
        schemas.want(meta.get("body"), "validation")
        schemas.want(meta.get("response"), "serialization")
        routes.append((rule, view, meta))
    schemas.build()

    paths: dict[str, dict] = {}
    operation_ids: set[str] = set()
    for rule, view, meta in routes:
        blueprint = rule.endpoint.rsplit(".", 1)[0] if "." in rule.endpoint else None
        surface = surface_for(blueprint, rule.rule)
        path, path_params = openapi_path(rule.rule)
        secured = requires_login(view) or surface is Surface.OPENAI  # every /v1 route takes an API key
        summary = meta.get("summary") or (getattr(view, "__doc__", "") or "").strip().split("\n")[0]
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            operation: dict[str, Any] = {
                "operationId": _unique(f"{rule.endpoint.replace('.', '_')}_{method.lower()}", operation_ids),
                "tags": [surface.value],
                "responses": (_console_responses(_data_schema(meta, schemas), tuple(meta.get("produces", ())))
                              if surface is Surface.CONSOLE else
                              _api_responses(surface, _data_schema(meta, schemas), secured, bool(path_params), meta)),
            }
            if summary:
                operation["summary"] = summary
            parameters = path_params + _query_parameters(meta.get("query"), schemas)
            if parameters:
                operation["parameters"] = parameters
            if meta.get("body") is not None:
                operation["requestBody"] = {"required": True, "content": {
                    "application/json": {"schema": schemas.schema(meta["body"], "validation")}}}
            elif meta.get("multipart"):
                operation["requestBody"] = {"required": True, "content": {"multipart/form-data": {"schema": {
                    "type": "object", "required": list(meta["multipart"]),
                    "properties": {name: {"type": "string", "format": "binary"} for name in meta["multipart"]}}}}}
            scheme = SURFACE_SECURITY.get(surface)
            if scheme and meta.get("auth") == "optional":
                operation["security"] = [{scheme: []}, {}]  # the scheme, or nothing (e.g. a signature)
            else:
                operation["security"] = [{scheme: []}] if secured and scheme else []
            paths.setdefault(path, {})[method.lower()] = operation

    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": version,
                 "description": "Generated from the route table and the schemas that validate requests."},
        "servers": [{"url": "/"}],
        "tags": [{"name": s.value} for s in Surface],
        "paths": paths,
        "components": {"schemas": {**ERROR_COMPONENTS, **schemas.components},
                       "securitySchemes": SECURITY_SCHEMES},
    }


def _unique(candidate: str, taken: set[str]) -> str:
    name, counter = candidate, 2
    while name in taken:
        name = f"{candidate}_{counter}"
        counter += 1
    taken.add(name)
    return name

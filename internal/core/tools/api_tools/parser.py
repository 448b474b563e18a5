"""One entry point, `parse_openapi(text)`, for the three document shapes users paste:

- the course's dialect, exactly as the console sends it: top-level `server` (string),
  `description`, `paths` → get/post → `operationId`, `description`, `parameters` with
  `in: path|query|header|cookie|request_body` and `type: str|int|float|bool`;
- OpenAPI 3.0 and 3.1;
- Swagger 2.0 (read directly into the same specs: `host`/`basePath`/`schemes`, `definitions`,
  `in: body`, `in: formData`).

Every operation of every path (all methods, not only the last one) becomes one `OperationSpec`.
Anything wrong raises `OpenAPIDocumentError` with the JSON pointer of the offending node.
"""
from __future__ import annotations

import abc
import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from .errors import OpenAPIDocumentError, fail
from .json_schema import to_json_schema
from .loader import load_document
from .naming import generated_name, sanitize, unique
from .refs import RefResolver
from .spec import ApiSpec, BodySpec, OperationSpec, ParamSpec, SecurityHint

METHODS = ("get", "post", "put", "patch", "delete")
MAX_OPERATIONS = 200
_TEMPLATE = re.compile(r"\{([^{}/]+)\}")
_COURSE_TYPES = {"str": "string", "int": "integer", "float": "number", "bool": "boolean",
                 "string": "string", "integer": "integer", "number": "number", "boolean": "boolean",
                 "array": "array", "object": "object"}
_COURSE_IN = {"path": "path", "query": "query", "header": "header", "cookie": "cookie", "request_body": "body"}
# OpenAPI 3: header parameters with these names are ignored (the request decides them)
_RESERVED_HEADERS = {"accept", "content-type", "authorization"}


def parse_openapi(text: str) -> ApiSpec:
    doc = load_document(text)
    if "openapi" in doc:
        version = str(doc["openapi"])
        if version.startswith("3.1"):
            return _OpenAPI3(doc, legacy=False).build("openapi-3.1")
        if version.startswith("3.0"):
            return _OpenAPI3(doc, legacy=True).build("openapi-3.0")
        raise fail(f"unsupported OpenAPI version '{version[:20]}' (3.0 and 3.1 are supported)", ("openapi",))
    if "swagger" in doc:
        if str(doc["swagger"]) != "2.0":
            raise fail("unsupported Swagger version (2.0 is supported)", ("swagger",))
        return _Swagger2(doc).build("swagger-2.0")
    if "server" in doc or "paths" in doc:
        return _Course(doc).build("course")
    raise fail("not an OpenAPI document: expected 'openapi', 'swagger', or the console's 'server' + 'paths'")


def check_base_url(url: Any, where: tuple) -> str:
    if not isinstance(url, str) or not url.strip():
        raise fail("a server URL is required", where)
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise fail(f"server URL '{url[:200]}' must be an absolute http(s) URL", where)
    if parts.username or parts.password:
        raise fail("server URL must not contain credentials (use the provider's auth instead)", where)
    if parts.query or parts.fragment:
        raise fail("server URL must not contain a query or fragment", where)
    return url.rstrip("/")


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


class _Builder(abc.ABC):
    """What the three shapes share: walking paths and methods, names, inputs, path templates."""

    legacy = True

    def __init__(self, doc: dict[str, Any]):
        self.doc = doc
        self.refs = RefResolver(doc)
        self.names: set[str] = set()

    # -- to implement per shape -------------------------------------------------------------
    @abc.abstractmethod
    def base_url(self, path_item: dict, operation: dict, where: tuple) -> str: ...

    @abc.abstractmethod
    def operation_params(self, path_item: dict, operation: dict, where: tuple) -> tuple[list[ParamSpec], BodySpec | None]: ...

    def require_operation_fields(self, operation: dict, where: tuple) -> None:
        """The course insists on operationId and description; OpenAPI makes them optional."""
        return None

    def description(self) -> str:
        info = self.doc.get("info") if isinstance(self.doc.get("info"), dict) else {}
        return _text(info.get("description")) or _text(info.get("title"))

    def security(self) -> SecurityHint | None:
        return None

    # -- shared -----------------------------------------------------------------------------
    def build(self, dialect: str) -> ApiSpec:
        paths = self.doc.get("paths")
        if not isinstance(paths, dict) or not paths:
            raise fail("'paths' must be a non-empty object", ("paths",))
        operations: list[OperationSpec] = []
        for path, raw_item in paths.items():
            where = ("paths", path)
            if not isinstance(path, str) or not path.startswith("/"):
                raise fail("a path must start with '/'", where)
            item = self.refs.deref(raw_item, where)
            if not isinstance(item, dict):
                raise fail("a path item must be an object", where)
            for method in METHODS:
                if method not in item:
                    continue
                op_where = where + (method,)
                op = item[method]
                if not isinstance(op, dict):
                    raise fail("an operation must be an object", op_where)
                operations.append(self.operation(path, method, item, op, op_where))
                if len(operations) > MAX_OPERATIONS:
                    raise fail(f"more than {MAX_OPERATIONS} operations", ("paths",))
        if not operations:
            raise fail(f"no operations found (methods read: {', '.join(METHODS)})", ("paths",))
        info = self.doc.get("info") if isinstance(self.doc.get("info"), dict) else {}
        return ApiSpec(dialect=dialect, title=_text(info.get("title")), description=self.description(),
                       server_url=operations[0].server_url, operations=tuple(operations), security=self.security())

    def operation(self, path: str, method: str, item: dict, op: dict, where: tuple) -> OperationSpec:
        self.require_operation_fields(op, where)
        op_id = op.get("operationId")
        if op_id is not None and not isinstance(op_id, str):
            raise fail("operationId must be a string", where + ("operationId",))
        name = unique(sanitize(op_id or "") or generated_name(method, path), self.names)
        description = _text(op.get("description")) or _text(op.get("summary")) or f"{method.upper()} {path}"
        params, body = self.operation_params(item, op, where)
        params = self._unique_inputs(params)
        declared = {p.wire for p in params if p.location == "path"}
        for var in _TEMPLATE.findall(path):
            if var not in declared:
                raise fail(f"path parameter '{var}' is used in the path but not declared", where)
        properties, required = {}, []
        for p in params:
            schema = dict(p.schema)
            if p.description and "description" not in schema:
                schema["description"] = p.description
            properties[p.name] = schema
            if p.required:
                required.append(p.name)
        input_schema: dict[str, Any] = {"type": "object", "properties": properties}
        if required:
            input_schema["required"] = required
        input_schema = to_json_schema(input_schema, legacy=False, where=where)
        return OperationSpec(name=name, operation_id=op_id or name, method=method.upper(), path=path,
                             server_url=self.base_url(item, op, where), description=description[:1024],
                             params=tuple(params), body=body, input_schema=input_schema)

    @staticmethod
    def _unique_inputs(params: Iterable[ParamSpec]) -> list[ParamSpec]:
        out, taken = [], set()
        for p in params:
            name = p.name
            if name in taken:
                name = unique(f"{p.location}_{p.name}", taken)
            else:
                taken.add(name)
            out.append(ParamSpec(name=name, location=p.location, wire=p.wire, required=p.required,
                                 schema=p.schema, description=p.description))
        return out

    def merged_parameters(self, item: dict, op: dict, where: tuple) -> list[tuple[dict, tuple]]:
        """Path-level parameters overridden by operation-level ones with the same (name, in)."""
        merged: dict[tuple, tuple[dict, tuple]] = {}
        for level, base in ((item, where[:-1]), (op, where)):
            raw = level.get("parameters", [])
            if not isinstance(raw, list):
                raise fail("'parameters' must be a list", base + ("parameters",))
            for i, entry in enumerate(raw):
                pw = base + ("parameters", i)
                param = self.refs.deref(entry, pw)
                if not isinstance(param, dict):
                    raise fail("a parameter must be an object", pw)
                name = param.get("name")
                if not isinstance(name, str) or not name.strip():
                    raise fail("a parameter needs a non-empty 'name'", pw)
                merged[(name, param.get("in"))] = (param, pw)
        return list(merged.values())

    def schema_of(self, raw: Any, where: tuple) -> dict[str, Any]:
        resolved = self.refs.resolve(raw if raw is not None else {}, where)
        return to_json_schema(resolved, legacy=self.legacy, where=where)

    def body_fields(self, schema: dict, media: str, required: bool, where: tuple) -> tuple[list[ParamSpec], BodySpec]:
        """An object body's properties become inputs; anything else is one input named `body`."""
        schema = _flatten_all_of(schema)
        props = schema.get("properties") if isinstance(schema, dict) else None
        structured = media == "application/json" or media.endswith("+json") or media == "application/x-www-form-urlencoded"
        if structured and schema.get("type", "object") == "object" and isinstance(props, dict) and props:
            needed = set(schema.get("required") or [])
            fields = [ParamSpec(name=k, location="body", wire=k, required=k in needed, schema=v if isinstance(v, dict) else {},
                                description=_text(v.get("description")) if isinstance(v, dict) else "")
                      for k, v in props.items()]
            return fields, BodySpec(media_type=media, whole=False, required=required)
        if not structured:
            schema = {"type": "string", "description": schema.get("description", "request body")}
        return ([ParamSpec(name="body", location="body", wire="body", required=required, schema=schema,
                           description=_text(schema.get("description")) or "request body")],
                BodySpec(media_type=media, whole=True, required=required))


def _flatten_all_of(schema: dict) -> dict:
    """`allOf` of object schemas (the usual "Pet = NewPet + id" composition) as one object."""
    parts = schema.get("allOf") if isinstance(schema, dict) else None
    if not isinstance(parts, list) or not all(isinstance(p, dict) for p in parts):
        return schema
    merged: dict[str, Any] = {"type": "object", "properties": {}, "required": []}
    for part in [{k: v for k, v in schema.items() if k != "allOf"}, *map(_flatten_all_of, parts)]:
        if part.get("type", "object") != "object":
            return schema
        merged["properties"].update(part.get("properties") or {})
        merged["required"].extend(r for r in part.get("required") or [] if r not in merged["required"])
    if not merged["required"]:
        del merged["required"]
    return merged


def _pick_media(content: dict) -> str:
    keys = [k for k in content if isinstance(k, str)]
    for wanted in ("application/json",):
        if wanted in keys:
            return wanted
    for k in keys:
        if k.endswith("+json"):
            return k
    if "application/x-www-form-urlencoded" in keys:
        return "application/x-www-form-urlencoded"
    return keys[0] if keys else "application/json"


class _OpenAPI3(_Builder):
    def __init__(self, doc: dict[str, Any], legacy: bool):
        super().__init__(doc)
        self.legacy = legacy

    def base_url(self, item: dict, op: dict, where: tuple) -> str:
        for level, base in ((op, where), (item, where[:-1]), (self.doc, ())):
            servers = level.get("servers")
            if servers:
                if not isinstance(servers, list) or not isinstance(servers[0], dict):
                    raise fail("'servers' must be a list of objects", base + ("servers",))
                return self._server_url(servers[0], base + ("servers", 0))
        raise fail("the document declares no server: add 'servers: [{url: https://...}]'", ("servers",))

    def _server_url(self, server: dict, where: tuple) -> str:
        url = server.get("url")
        if not isinstance(url, str):
            raise fail("a server needs a 'url'", where)
        variables = server.get("variables") or {}
        if not isinstance(variables, dict):
            raise fail("server 'variables' must be an object", where + ("variables",))

        def substitute(m: re.Match) -> str:
            var = variables.get(m.group(1))
            if not isinstance(var, dict) or "default" not in var:
                raise fail(f"server variable '{m.group(1)}' has no default", where + ("variables",))
            enum = var.get("enum")
            if isinstance(enum, list) and enum and var["default"] not in enum:
                raise fail(f"server variable '{m.group(1)}' default is not one of its enum",
                           where + ("variables", m.group(1)))
            return str(var["default"])

        return check_base_url(_TEMPLATE.sub(substitute, url), where + ("url",))

    def operation_params(self, item: dict, op: dict, where: tuple) -> tuple[list[ParamSpec], BodySpec | None]:
        params: list[ParamSpec] = []
        for param, pw in self.merged_parameters(item, op, where):
            location = param.get("in")
            if location not in ("path", "query", "header", "cookie"):
                raise fail("parameter 'in' must be one of path, query, header, cookie", pw + ("in",))
            if location == "header" and param["name"].lower() in _RESERVED_HEADERS:
                continue
            if "schema" in param:
                schema = self.schema_of(param["schema"], pw + ("schema",))
            elif isinstance(param.get("content"), dict) and param["content"]:
                media = next(iter(param["content"]))
                schema = self.schema_of((param["content"][media] or {}).get("schema"), pw + ("content", media, "schema"))
            else:
                schema = {"type": "string"}
            params.append(ParamSpec(name=param["name"], location=location, wire=param["name"],
                                    required=location == "path" or param.get("required") is True,
                                    schema=schema, description=_text(param.get("description"))))
        body = None
        if "requestBody" in op:
            bw = where + ("requestBody",)
            rb = self.refs.deref(op["requestBody"], bw)
            content = rb.get("content") if isinstance(rb, dict) else None
            if not isinstance(content, dict) or not content:
                raise fail("requestBody needs a non-empty 'content'", bw)
            media = _pick_media(content)
            media_obj = content[media] if isinstance(content[media], dict) else {}
            schema = self.schema_of(media_obj.get("schema"), bw + ("content", media, "schema"))
            fields, body = self.body_fields(schema, media, rb.get("required") is True, bw)
            params.extend(fields)
        return params, body

    def security(self) -> SecurityHint | None:
        schemes = (self.doc.get("components") or {}).get("securitySchemes") if isinstance(
            self.doc.get("components"), dict) else None
        return _security_hint(schemes)


def _security_hint(schemes: Any) -> SecurityHint | None:
    if not isinstance(schemes, dict):
        return None
    for scheme in schemes.values():
        if not isinstance(scheme, dict):
            continue
        kind = scheme.get("type")
        if kind == "apiKey" and scheme.get("in") in ("header", "query") and isinstance(scheme.get("name"), str):
            return SecurityHint("api_key", scheme["in"], scheme["name"])
        if kind == "http" and str(scheme.get("scheme", "")).lower() in ("bearer", "basic"):
            return SecurityHint(str(scheme["scheme"]).lower())
        if kind == "basic":  # Swagger 2.0
            return SecurityHint("basic")
    return None


_SWAGGER_SCHEMA_KEYS = ("type", "format", "items", "enum", "default", "minimum", "maximum", "exclusiveMinimum",
                        "exclusiveMaximum", "minLength", "maxLength", "pattern", "minItems", "maxItems",
                        "uniqueItems", "multipleOf")


class _Swagger2(_Builder):
    def base_url(self, item: dict, op: dict, where: tuple) -> str:
        host = self.doc.get("host")
        if not isinstance(host, str) or not host.strip():
            raise fail("Swagger 2.0 documents need a 'host' to call", ("host",))
        schemes = op.get("schemes") or self.doc.get("schemes") or ["https"]
        if not isinstance(schemes, list):
            raise fail("'schemes' must be a list", ("schemes",))
        scheme = "https" if "https" in schemes else str(schemes[0])
        base_path = self.doc.get("basePath") or ""
        if not isinstance(base_path, str):
            raise fail("'basePath' must be a string", ("basePath",))
        return check_base_url(f"{scheme}://{host.strip()}{base_path}", ("host",))

    def operation_params(self, item: dict, op: dict, where: tuple) -> tuple[list[ParamSpec], BodySpec | None]:
        params: list[ParamSpec] = []
        form: list[ParamSpec] = []
        body = None
        consumes = op.get("consumes") or self.doc.get("consumes") or ["application/json"]
        for param, pw in self.merged_parameters(item, op, where):
            location = param.get("in")
            if location == "body":
                media = _pick_media({c: None for c in consumes if isinstance(c, str)})
                schema = self.schema_of(param.get("schema"), pw + ("schema",))
                fields, body = self.body_fields(schema, media, param.get("required") is True, pw)
                params.extend(fields)
                continue
            if location not in ("path", "query", "header", "formData"):
                raise fail("parameter 'in' must be one of path, query, header, body, formData", pw + ("in",))
            raw = {k: param[k] for k in _SWAGGER_SCHEMA_KEYS if k in param}
            schema = self.schema_of(raw or {"type": "string"}, pw)
            spec = ParamSpec(name=param["name"], location="body" if location == "formData" else location,
                             wire=param["name"], required=location == "path" or param.get("required") is True,
                             schema=schema, description=_text(param.get("description")))
            (form if location == "formData" else params).append(spec)
        if form:
            if body is not None:
                raise fail("an operation cannot have both 'body' and 'formData' parameters", where)
            params.extend(form)
            body = BodySpec(media_type="application/x-www-form-urlencoded", whole=False,
                            required=any(p.required for p in form))
        return params, body

    def security(self) -> SecurityHint | None:
        return _security_hint(self.doc.get("securityDefinitions"))


class _Course(_Builder):
    """The console's dialect. Its rules are kept (server, description, operationId, description
    per operation); the method list is wider than the course's get/post."""

    legacy = True

    def description(self) -> str:
        return _text(self.doc.get("description"))

    def build(self, dialect: str) -> ApiSpec:
        if not _text(self.doc.get("description")):
            raise fail("'description' must be a non-empty string", ("description",))
        self.server = check_base_url(self.doc.get("server"), ("server",))
        return super().build(dialect)

    def base_url(self, item: dict, op: dict, where: tuple) -> str:
        return self.server

    def require_operation_fields(self, op: dict, where: tuple) -> None:
        if not _text(op.get("operationId")):
            raise fail("operationId must be a non-empty string", where + ("operationId",))
        if not isinstance(op.get("description"), str):
            raise fail("description must be a string", where + ("description",))

    def operation_params(self, item: dict, op: dict, where: tuple) -> tuple[list[ParamSpec], BodySpec | None]:
        params: list[ParamSpec] = []
        has_body = False
        raw = op.get("parameters", [])
        if not isinstance(raw, list):
            raise fail("'parameters' must be a list", where + ("parameters",))
        for i, param in enumerate(raw):
            pw = where + ("parameters", i)
            if not isinstance(param, dict):
                raise fail("a parameter must be an object", pw)
            name = param.get("name")
            if not isinstance(name, str) or not name.strip():
                raise fail("a parameter needs a non-empty 'name'", pw + ("name",))
            location = _COURSE_IN.get(param.get("in"))
            if location is None:
                raise fail("parameter 'in' must be one of path, query, header, cookie, request_body", pw + ("in",))
            kind = _COURSE_TYPES.get(param.get("type"))
            if kind is None:
                raise fail("parameter 'type' must be one of str, int, float, bool", pw + ("type",))
            required = param.get("required", False)
            if not isinstance(required, bool):
                raise fail("parameter 'required' must be true or false", pw + ("required",))
            description = param.get("description", "")
            if not isinstance(description, str):
                raise fail("parameter 'description' must be a string", pw + ("description",))
            has_body = has_body or location == "body"
            params.append(ParamSpec(name=name, location=location, wire=name, required=required or location == "path",
                                    schema={"type": kind}, description=description.strip()))
        return params, BodySpec(media_type="application/json", whole=False) if has_body else None


__all__ = ["parse_openapi", "OpenAPIDocumentError", "check_base_url"]

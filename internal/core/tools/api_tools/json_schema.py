"""OpenAPI schema objects → JSON Schema (draft 2020-12), the language of tool inputs.

OpenAPI 3.1 schemas already are JSON Schema. 3.0 and Swagger 2.0 differ in a few keywords:
`nullable`, boolean `exclusiveMinimum/Maximum`, `type: file`, and annotations that are not JSON
Schema (`discriminator`, `xml`, `example`, `externalDocs`). Properties marked `readOnly` are
dropped from request inputs (the server sets them). The result is checked by the validator the
tool uses, so a schema the tool could not apply is a document error, not a failing call later."""
from __future__ import annotations

from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

from .errors import fail

_DROP = {"discriminator", "xml", "externalDocs", "example", "nullable", "x-nullable"}
_SCHEMA_MAPS = ("properties", "patternProperties", "$defs", "definitions", "dependentSchemas")
_SCHEMA_LISTS = ("allOf", "anyOf", "oneOf", "prefixItems")
_SCHEMA_ONE = ("items", "additionalProperties", "not", "contains", "propertyNames", "if", "then", "else",
               "unevaluatedProperties", "unevaluatedItems", "additionalItems")


def to_json_schema(schema: Any, legacy: bool, where: tuple) -> dict[str, Any]:
    """`legacy` = OpenAPI 3.0 / Swagger 2.0 semantics."""
    out = _convert(schema, legacy, where)
    try:
        Draft202012Validator.check_schema(out)
    except SchemaError as exc:
        path = tuple(where) + tuple(exc.path)
        raise fail(f"invalid schema: {exc.message}", path) from None
    return out


def _convert(schema: Any, legacy: bool, where: tuple) -> Any:
    if isinstance(schema, bool):
        return schema
    if not isinstance(schema, dict):
        raise fail("a schema must be an object", where)
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key in _DROP or key.startswith("x-"):
            continue
        if key in _SCHEMA_MAPS and isinstance(value, dict):
            out[key] = {k: _convert(v, legacy, where + (key, k)) for k, v in value.items()
                        if not (key == "properties" and isinstance(v, dict) and v.get("readOnly") is True)}
        elif key in _SCHEMA_LISTS and isinstance(value, list):
            out[key] = [_convert(v, legacy, where + (key, i)) for i, v in enumerate(value)]
        elif key in _SCHEMA_ONE and isinstance(value, (dict, bool)):
            out[key] = _convert(value, legacy, where + (key,))
        else:
            out[key] = value
    if out.get("type") == "file":
        out["type"] = "string"
    if legacy:
        for bound, limit in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
            if isinstance(out.get(bound), bool):
                if out.pop(bound) and limit in out:
                    out[bound] = out.pop(limit)
        if schema.get("nullable") is True or schema.get("x-nullable") is True:
            kind = out.get("type")
            if isinstance(kind, str):
                out["type"] = [kind, "null"]
            if isinstance(out.get("enum"), list) and None not in out["enum"]:
                out["enum"] = [*out["enum"], None]
    if "required" in out and "properties" in out:  # dropped readOnly properties are no longer required
        out["required"] = [r for r in out["required"] if r in out["properties"]] if isinstance(
            out["required"], list) else out["required"]
        if out["required"] == []:
            del out["required"]
    return out


def course_type(schema: dict[str, Any]) -> str:
    """The console's input type names (str|int|float|bool), plus array/object for what it lacks."""
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "string")
    return {"string": "str", "integer": "int", "number": "float", "boolean": "bool",
            "array": "array", "object": "object"}.get(kind or "string", "str")

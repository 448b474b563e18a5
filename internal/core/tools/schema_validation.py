"""Tool arguments checked against the tool's JSON Schema (jsonschema, compiled once per tool).

Models send numbers as strings and the console sends every form value as a string, so values
are coerced to the declared scalar type first ("3" → 3 for an integer, "false" → False for a
boolean — never `bool("false")`); anything that still does not match is a ToolInputError naming
the field.
"""
from __future__ import annotations

from typing import Any

from jsonschema import Draft202012Validator

_TRUE, _FALSE = {"true", "1", "yes", "on"}, {"false", "0", "no", "off"}


def compile_schema(schema: dict[str, Any]) -> Draft202012Validator:
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def _coerce(value: Any, declared: Any) -> Any:
    kind = declared if isinstance(declared, str) else None
    if not isinstance(value, str) or kind in (None, "string"):
        return value
    text = value.strip()
    try:
        if kind == "integer":
            return int(text)
        if kind == "number":
            return float(text)
    except ValueError:
        return value
    if kind == "boolean":
        low = text.lower()
        if low in _TRUE:
            return True
        if low in _FALSE:
            return False
    return value


def validate_arguments(validator: Draft202012Validator, arguments: dict[str, Any]) -> dict[str, Any]:
    from .base import ToolInputError

    if not isinstance(arguments, dict):
        raise ToolInputError("arguments must be a JSON object")
    props = validator.schema.get("properties") or {}
    args = {k: _coerce(v, (props.get(k) or {}).get("type")) for k, v in arguments.items()}
    for name, spec in props.items():  # fill declared defaults, as the tool's author promised them
        if name not in args and isinstance(spec, dict) and "default" in spec:
            args[name] = spec["default"]
    error = next(iter(sorted(validator.iter_errors(args), key=lambda e: list(e.absolute_path))), None)
    if error is not None:
        where = ".".join(str(p) for p in error.absolute_path) or (
            error.message.split("'")[1] if error.validator == "required" and "'" in error.message else "arguments")
        raise ToolInputError(f"invalid input '{where}': {error.message}")
    return args

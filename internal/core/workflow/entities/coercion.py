"""Value coercion to a declared variable type. Strict on purpose: `"false"` is False (never
`bool("false")`), `"x"` as int is an error with a message, not a crash; lists and objects accept
their JSON text."""
from __future__ import annotations

import json
import math
import re
from typing import Any

from .variables import VariableType

_INT_RE = re.compile(r"^[+-]?\d+$")
_TRUE = {"true", "1", "yes", "on"}
_FALSE = {"false", "0", "no", "off"}


class CoercionError(ValueError):
    """The value cannot be read as the declared type; the message is safe to show."""


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def to_string(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(value, ensure_ascii=False, default=str)


def to_int(value: Any) -> int:
    if isinstance(value, bool):
        raise CoercionError(f"{_short(value)} is a boolean, not an int")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if math.isfinite(value) and value.is_integer():
            return int(value)
        raise CoercionError(f"{_short(value)} is not a whole number")
    if isinstance(value, str) and _INT_RE.match(value.strip()):
        return int(value.strip())
    raise CoercionError(f"{_short(value)} is not an int")


def to_float(value: Any) -> float:
    if isinstance(value, bool):
        raise CoercionError(f"{_short(value)} is a boolean, not a float")
    if isinstance(value, int | float):
        result = float(value)
    elif isinstance(value, str):
        try:
            result = float(value.strip())
        except ValueError:
            raise CoercionError(f"{_short(value)} is not a float") from None
    else:
        raise CoercionError(f"{_short(value)} is not a float")
    if not math.isfinite(result):
        raise CoercionError(f"{_short(value)} is not a finite number")
    return result


def to_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    raise CoercionError(f"{_short(value)} is not a boolean (use true/false)")


def _parse_json(value: str, kind: type, name: str) -> Any:
    try:
        parsed = json.loads(value)
    except ValueError:
        raise CoercionError(f"{_short(value)} is not a JSON {name}") from None
    if not isinstance(parsed, kind):
        raise CoercionError(f"{_short(value)} is not a JSON {name}")
    return parsed


def to_object(value: Any) -> dict:
    if isinstance(value, dict):
        return value
    if isinstance(value, str):
        return _parse_json(value, dict, "object")
    raise CoercionError(f"{_short(value)} is not an object")


_SCALAR = {
    VariableType.STRING: to_string,
    VariableType.INT: to_int,
    VariableType.FLOAT: to_float,
    VariableType.BOOLEAN: to_bool,
    VariableType.OBJECT: to_object,
}


def coerce(value: Any, vtype: VariableType) -> Any:
    scalar = _SCALAR.get(vtype)
    if scalar is not None:
        return scalar(value)
    if isinstance(value, str):
        value = _parse_json(value, list, "list")
    if not isinstance(value, list | tuple):
        raise CoercionError(f"{_short(value)} is not a list")
    element = _SCALAR[vtype.element]
    out = []
    for i, item in enumerate(value):
        if item is None:  # a hole (e.g. a failed iteration item kept with error_mode "continue")
            out.append(None)
            continue
        try:
            out.append(element(item))
        except CoercionError as exc:
            raise CoercionError(f"item {i}: {exc}") from None
    return out


def default_for(vtype: VariableType) -> Any:
    """The value a node outputs for a type when a default is asked for but none was given."""
    if vtype.is_list:
        return []
    return {VariableType.STRING: "", VariableType.INT: 0, VariableType.FLOAT: 0.0,
            VariableType.BOOLEAN: False, VariableType.OBJECT: {}}[vtype]


def is_compatible(source: VariableType, target: VariableType) -> bool:
    """Can a reference to a `source`-typed output feed a `target`-typed input? Every type renders
    as a string (the editor types every reference as `string`); an int widens to a float; a list
    of anything feeds list[object]."""
    if source == target or target == VariableType.STRING:
        return True
    if source == VariableType.INT and target == VariableType.FLOAT:
        return True
    if source == VariableType.LIST_INT and target == VariableType.LIST_FLOAT:
        return True
    return target == VariableType.LIST_OBJECT and source.is_list

"""Text → plain JSON-like data. JSON when the text looks like JSON (better error positions),
YAML otherwise (safe loader only). YAML's extras are normalised so the result is JSON-able:
non-string keys become strings (`200:` response codes), dates become ISO strings."""
from __future__ import annotations

import datetime as dt
import json
from typing import Any

import yaml

from .errors import OpenAPIDocumentError

MAX_DOCUMENT_CHARS = 1_000_000


def load_document(text: str) -> dict[str, Any]:
    if not isinstance(text, str) or not text.strip():
        raise OpenAPIDocumentError("the document is empty")
    if len(text) > MAX_DOCUMENT_CHARS:
        raise OpenAPIDocumentError(f"the document is larger than {MAX_DOCUMENT_CHARS} characters")
    stripped = text.lstrip()
    if stripped.startswith(("{", "[")):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise OpenAPIDocumentError(f"invalid JSON: {exc.msg}", line=exc.lineno, column=exc.colno) from None
    else:
        try:
            data = yaml.safe_load(text)
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            problem = exc.problem or exc.context or "syntax error"
            raise OpenAPIDocumentError(f"invalid YAML: {problem}", line=mark.line + 1 if mark else None,
                                       column=mark.column + 1 if mark else None) from None
        except yaml.YAMLError as exc:
            raise OpenAPIDocumentError(f"invalid YAML: {type(exc).__name__}") from None
        data = _plain(data, 0)
    if not isinstance(data, dict):
        raise OpenAPIDocumentError("the document must be a JSON object (or a YAML mapping)", pointer="/")
    return data


def _plain(value: Any, depth: int) -> Any:
    if depth > 200:
        raise OpenAPIDocumentError("the document is nested too deeply")
    if isinstance(value, dict):
        return {_key(k): _plain(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v, depth + 1) for v in value]
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value


def _key(key: Any) -> str:
    if isinstance(key, bool):
        return "true" if key else "false"
    return key.isoformat() if isinstance(key, (dt.date, dt.datetime)) else str(key)

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
MAX_NODES = 200_000


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
        data = _Plain().convert(data, 0)
    if not isinstance(data, dict):
        raise OpenAPIDocumentError("the document must be a JSON object (or a YAML mapping)", pointer="/")
    return data


class _Plain:
    """YAML aliases are shared references; copying them out could expand a small text into an
    exponential tree ("billion laughs"), so the number of produced nodes is capped."""

    def __init__(self) -> None:
        self.nodes = 0

    def convert(self, value: Any, depth: int) -> Any:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise OpenAPIDocumentError("the document is too large once its YAML aliases are expanded")
        if depth > 200:
            raise OpenAPIDocumentError("the document is nested too deeply")
        if isinstance(value, dict):
            return {_key(k): self.convert(v, depth + 1) for k, v in value.items()}
        if isinstance(value, list):
            return [self.convert(v, depth + 1) for v in value]
        if isinstance(value, (dt.date, dt.datetime)):
            return value.isoformat()
        if isinstance(value, bytes):
            return value.decode("utf-8", "replace")
        return value


def _key(key: Any) -> str:
    if isinstance(key, bool):
        return "true" if key else "false"
    return key.isoformat() if isinstance(key, (dt.date, dt.datetime)) else str(key)

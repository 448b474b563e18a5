"""Checks on parsed JSON input that no schema expresses: NUL characters (PostgreSQL refuses
them in text, so one would fail the statement or the batch it rides in) and nesting depth
(recursive code downstream would hit Python's recursion limit). The walk is iterative, so
checking hostile input cannot itself overflow the stack."""
from __future__ import annotations

from typing import Any

MAX_JSON_DEPTH = 64  # far above any real request (tool schemas, workflow graphs: ~10)
NUL = "\x00"


def input_problem(data: Any, max_depth: int = MAX_JSON_DEPTH, root: str = "body") -> tuple[str, str] | None:
    """(field, message) of the first problem found, or None. Field names come from the
    request's keys (never its values: they may be secrets)."""
    stack: list[tuple[Any, int, str]] = [(data, 0, root)]
    while stack:
        value, depth, field = stack.pop()
        if isinstance(value, str):
            if NUL in value:
                return field, "must not contain NUL (\\u0000) characters"
        elif isinstance(value, dict | list):
            if depth >= max_depth:
                return root, f"nested deeper than {max_depth} levels"
            if isinstance(value, dict):
                for key, item in value.items():
                    if isinstance(key, str) and NUL in key:
                        return field, "keys must not contain NUL (\\u0000) characters"
                    stack.append((item, depth + 1, key if field == root else f"{field}.{key}"))
            else:
                for i, item in enumerate(value):
                    stack.append((item, depth + 1, f"{field}.{i}"))
    return None


def may_have_problem(raw: bytes) -> bool:
    """Cheap pre-filter on the raw JSON text, for hot paths: JSON can only carry a NUL as the
    escape \\u0000, and cannot nest deeper than the number of brackets it has."""
    return b"\\u0000" in raw or raw.count(b"{") + raw.count(b"[") > MAX_JSON_DEPTH

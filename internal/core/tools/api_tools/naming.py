"""Tool names usable as function names by every model API: [A-Za-z0-9_-], at most 64 characters,
unique within a provider."""
from __future__ import annotations

import re

MAX_NAME = 64
_BAD = re.compile(r"[^A-Za-z0-9_-]+")


def sanitize(raw: str) -> str:
    return _BAD.sub("_", raw).strip("_")[:MAX_NAME]


def generated_name(method: str, path: str) -> str:
    parts = [method.lower(), *(p.strip("{}") for p in path.split("/") if p)]
    return re.sub("_+", "_", sanitize("_".join(parts))) or method.lower()


def unique(name: str, taken: set[str]) -> str:
    candidate, n = name, 1
    while candidate in taken:
        n += 1
        suffix = f"_{n}"
        candidate = name[: MAX_NAME - len(suffix)] + suffix
    taken.add(candidate)
    return candidate

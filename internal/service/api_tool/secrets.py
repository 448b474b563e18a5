"""Masking of provider headers and auth, and the console's round trip: the edit form posts back
what it was shown, so a value equal to the mask of the stored one means "unchanged"."""
from __future__ import annotations

from typing import Any

MASK = "********"
SECRET_AUTH_FIELDS = ("api_key", "token", "password")
AUTH_FIELDS = {"none": (), "api_key": ("in", "name", "api_key"), "bearer": ("token",),
               "basic": ("username", "password")}


def mask(value: str) -> str:
    if not value:
        return ""
    if len(value) < 16:  # short values: reveal nothing, not even the length
        return MASK
    return f"{value[:2]}{MASK}{value[-2:]}"


def merge_headers(posted: list[tuple[str, str]], stored: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Posted headers, where a value equal to the mask of a stored value of the same name (taken
    in order) is replaced by that stored value."""
    pool: dict[str, list[str]] = {}
    for key, value in stored:
        pool.setdefault(key.lower(), []).append(value)
    out = []
    for key, value in posted:
        candidates = pool.get(key.lower()) or []
        if candidates and value == mask(candidates[0]):
            value = candidates.pop(0)
        elif candidates:
            candidates.pop(0)
        out.append((key, value))
    return out


def masked_headers(headers: list[tuple[str, str]]) -> list[dict[str, str]]:
    return [{"key": k, "value": mask(v)} for k, v in headers]


def merge_auth(posted: dict[str, Any] | None, stored: dict[str, Any]) -> dict[str, Any]:
    """`posted` None keeps the stored auth (the console never sends it)."""
    if posted is None:
        return stored
    kind = posted.get("type", "none")
    out = {"type": kind, **{f: posted.get(f, "") for f in AUTH_FIELDS[kind]}}
    if stored.get("type") == kind:
        for f in SECRET_AUTH_FIELDS:
            if f in out and stored.get(f) and out[f] == mask(stored[f]):
                out[f] = stored[f]
    return out


def masked_auth(auth: dict[str, Any]) -> dict[str, Any]:
    return {k: (mask(v) if k in SECRET_AUTH_FIELDS else v) for k, v in auth.items()}

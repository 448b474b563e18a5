"""URLs the console loads (icons) are built from API_PUBLIC_BASE_URL, never from the request's
Host header (wrong behind a proxy or a path prefix, and attacker-controlled). Empty base:
paths relative to the API root, which the console prefixes with its API base itself."""
from __future__ import annotations

from config import Config


def public_url(conf: Config, path: str) -> str:
    base = (conf.API_PUBLIC_BASE_URL or "").rstrip("/")
    return f"{base}{path}" if base else path

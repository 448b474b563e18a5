"""High-entropy bearer secrets (API keys): generate, hash for storage, mask for display."""
from __future__ import annotations

import hashlib
import secrets

PREFIX = "llmops-"


def generate() -> str:
    return PREFIX + secrets.token_urlsafe(32)


def hash_secret(value: str) -> str:
    # sha256 suffices for 256-bit random secrets (no dictionary to attack); it keeps lookups O(1).
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def mask(value: str) -> str:
    return f"{value[:len(PREFIX) + 4]}****{value[-4:]}"

"""Password hashing with argon2id (slow by design) and constant-time verification."""
from __future__ import annotations

import functools
import re

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

_hasher = PasswordHasher()  # stateless and thread-safe; parameters are argon2-cffi's RFC 9106 defaults


@functools.cache
def _dummy_hash() -> str:
    """A real hash to verify against when the account has none, so timing reveals nothing."""
    return _hasher.hash("llmops-timing-equaliser")


PASSWORD_RULE = re.compile(r"^(?=.*[a-zA-Z])(?=.*\d).{8,64}$")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password: str, password_hash: str | None) -> bool:
    try:
        return _hasher.verify(password_hash or _dummy_hash(), password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


def is_strong_enough(password: str) -> bool:
    """8–64 characters with at least one letter and one digit (the course's rule)."""
    return bool(PASSWORD_RULE.match(password))

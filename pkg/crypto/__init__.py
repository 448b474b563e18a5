"""Symmetric encryption for secrets at rest (provider and tool credentials, OAuth tokens)."""
from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


class DecryptionError(Exception):
    pass


class Encryptor:
    def __init__(self, key: str = "", *, derive_from: str = ""):
        if not key:
            if not derive_from:
                raise ValueError("an encryption key or a secret to derive it from is required")
            raw = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"llmops-credentials",
                       info=b"fernet").derive(derive_from.encode("utf-8"))
            key = base64.urlsafe_b64encode(raw).decode("ascii")
        self._fernet = Fernet(key.encode("ascii"))

    def encrypt(self, plaintext: str) -> str:
        return self._fernet.encrypt(plaintext.encode("utf-8")).decode("ascii")

    def decrypt(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode("ascii")).decode("utf-8")
        except InvalidToken as exc:
            raise DecryptionError("ciphertext cannot be decrypted with the configured key") from exc

from __future__ import annotations

import re
import shutil
import tempfile
from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

_KEY_SEGMENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")


class StorageError(Exception):
    """The backend failed (I/O, network). The message is safe to log, not to show."""


class StorageNotFound(StorageError):
    pass


def validate_key(key: str) -> str:
    """Keys are relative, '/'-separated, each segment [A-Za-z0-9][A-Za-z0-9_.-]*, no '..'."""
    if not isinstance(key, str) or not key or len(key) > 512:
        raise ValueError("invalid storage key")
    for segment in key.split("/"):
        if not _KEY_SEGMENT.match(segment) or ".." in segment:
            raise ValueError("invalid storage key")
    return key


class Storage(ABC):
    """save/open/delete on opaque keys. Implementations are thread-safe."""

    @abstractmethod
    def save(self, key: str, data: bytes, content_type: str = "application/octet-stream") -> None:
        """Store `data` under `key`, replacing any previous object."""

    @abstractmethod
    def open(self, key: str) -> BinaryIO:
        """A readable binary stream of the object; the caller closes it. StorageNotFound if absent."""

    @abstractmethod
    def delete(self, key: str) -> None:
        """Remove the object; deleting a missing key is not an error."""

    @abstractmethod
    def exists(self, key: str) -> bool: ...

    def read(self, key: str) -> bytes:
        with self.open(key) as stream:
            return stream.read()

    @contextmanager
    def local_path(self, key: str, suffix: str = "") -> Iterator[Path]:
        """A path on the local disk holding the object (a temporary copy for remote backends),
        for loaders that need a file name. Removed on exit."""
        with tempfile.TemporaryDirectory(prefix="llmops-storage-") as folder:
            path = Path(folder) / f"object{suffix}"
            with self.open(key) as source, open(path, "wb") as target:
                shutil.copyfileobj(source, target)
            yield path

    def check(self) -> None:  # noqa: B027 - optional hook, no-op by default
        """Raise StorageError when the backend is unreachable (readiness probe)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from .base import Storage, StorageError, StorageNotFound, validate_key


class LocalStorage(Storage):
    """Objects as files under one root directory (STORAGE_LOCAL_DIR). Writes are atomic
    (temp file + rename), so a reader never sees half an object."""

    def __init__(self, root: Path | str):
        self.root = Path(root).resolve()

    def _path(self, key: str) -> Path:
        path = (self.root / validate_key(key)).resolve()
        if self.root not in path.parents:  # belt and braces on top of validate_key
            raise ValueError("invalid storage key")
        return path

    def save(self, key: str, data: bytes, content_type: str = "application/octet-stream") -> None:
        path = self._path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
            try:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(data)
                os.chmod(tmp, 0o640)
                os.replace(tmp, path)
            except BaseException:
                if os.path.exists(tmp):
                    os.unlink(tmp)
                raise
        except OSError as exc:
            raise StorageError(f"local storage write failed: {exc.__class__.__name__}") from exc

    def open(self, key: str) -> BinaryIO:
        try:
            return open(self._path(key), "rb")
        except FileNotFoundError as exc:
            raise StorageNotFound(key) from exc
        except OSError as exc:
            raise StorageError(f"local storage read failed: {exc.__class__.__name__}") from exc

    def delete(self, key: str) -> None:
        try:
            self._path(key).unlink(missing_ok=True)
        except OSError as exc:
            raise StorageError(f"local storage delete failed: {exc.__class__.__name__}") from exc

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    @contextmanager
    def local_path(self, key: str, suffix: str = "") -> Iterator[Path]:
        path = self._path(key)
        if not path.is_file():
            raise StorageNotFound(key)
        if not suffix:
            yield path
            return
        with super().local_path(key, suffix) as copy:
            yield copy

    def check(self) -> None:
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            if not os.access(self.root, os.W_OK):
                raise StorageError("storage directory is not writable")
        except OSError as exc:
            raise StorageError(f"storage directory unavailable: {exc.__class__.__name__}") from exc

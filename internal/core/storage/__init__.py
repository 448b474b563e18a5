"""Object storage behind one interface: local filesystem (embedded default) and S3-compatible
(MinIO, AWS S3) for production. Chosen by config in the composition root (STORAGE_BACKEND).

Keys are produced by the server (see `validate_key`); no user-supplied path component ever
reaches a backend.
"""
from .base import Storage, StorageError, StorageNotFound, validate_key
from .local_storage import LocalStorage
from .s3_storage import S3Storage

__all__ = ["Storage", "StorageError", "StorageNotFound", "validate_key", "LocalStorage", "S3Storage"]

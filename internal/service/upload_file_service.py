"""Uploads: size and type limits, content sniffing, server-generated keys, sha256 dedup per
account, tenant-checked access. Other services (datasets, documents) load files through
`get_owned` / `get_many_owned` and read bytes through `open` / `read` / `local_path`.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from injector import inject
from sqlalchemy import func, select

from config import Config
from internal.core.storage import Storage, StorageError, StorageNotFound
from internal.exception import FailException, NotFoundException, ValidateErrorException
from internal.model.upload_file import UploadFile
from internal.service.base_service import get_owned
from pkg.content_sniff import (
    DOCUMENT_TYPES,
    IMAGE_TYPES,
    INLINE_SAFE_MIME_TYPES,
    UnsupportedContent,
    safe_filename,
    sniff,
)
from pkg.sqlalchemy import SQLAlchemy

logger = logging.getLogger(__name__)

FILE_TYPES: dict[str, str] = {**DOCUMENT_TYPES, **IMAGE_TYPES}


def storage_key(account_id: uuid.UUID, digest: str) -> str:
    """Server-generated: account + content hash. No part of the user's file name."""
    return f"uploads/{account_id.hex}/{digest[:2]}/{digest}"


@inject
@dataclass
class UploadFileService:
    db: SQLAlchemy
    storage: Storage
    conf: Config

    # --- writes ------------------------------------------------------------------------
    def upload(self, account_id: uuid.UUID, filename: str | None, stream: BinaryIO,
               only_image: bool = False) -> UploadFile:
        limit = self.conf.UPLOAD_IMAGE_MAX_BYTES if only_image else self.conf.UPLOAD_FILE_MAX_BYTES
        data = stream.read(limit + 1)
        if len(data) > limit:
            raise ValidateErrorException(f"file is too large: the limit is {_human(limit)}",
                                         data={"errors": [{"field": "file", "message": "too large"}]})
        name = safe_filename(filename)
        if not name:
            raise ValidateErrorException("file: a file with a name is required")
        try:
            kind = sniff(data, name, IMAGE_TYPES if only_image else FILE_TYPES)
        except UnsupportedContent as exc:
            raise ValidateErrorException(f"file: {exc}",
                                         data={"errors": [{"field": "file", "message": str(exc)}]}) from None

        digest = hashlib.sha256(data).hexdigest()
        key = storage_key(account_id, digest)
        try:
            if not self.storage.exists(key):  # same content in this account: one stored object
                self.storage.save(key, data, content_type=kind.mime_type)
        except StorageError:
            logger.exception("storing upload failed")
            raise FailException("storing the file failed, please retry later") from None

        if "." in name and name.rsplit(".", 1)[-1].lower() != kind.extension:
            name = f"{name.rsplit('.', 1)[0]}.{kind.extension}"
        row = UploadFile(account_id=account_id, name=name, key=key, size=len(data),
                         extension=kind.extension, mime_type=kind.mime_type, hash=digest)
        with self.db.auto_commit():
            self.db.session.add(row)
        return row

    def delete(self, upload_file_id, account_id: uuid.UUID) -> None:
        row = self.get_owned(upload_file_id, account_id)
        key = row.key
        with self.db.auto_commit():
            self.db.session.delete(row)
        still_used = self.db.session.scalar(select(func.count()).select_from(UploadFile).where(UploadFile.key == key))
        if not still_used:
            try:
                self.storage.delete(key)
            except StorageError:
                logger.exception("deleting stored object failed; it is orphaned")

    # --- tenant-checked reads ------------------------------------------------------------
    def get_owned(self, upload_file_id, account_id: uuid.UUID) -> UploadFile:
        return get_owned(self.db, UploadFile, upload_file_id, account_id, "upload file not found")

    def get_many_owned(self, upload_file_ids: Iterable, account_id: uuid.UUID) -> list[UploadFile]:
        """All or nothing: any id that is malformed or not this account's is 'not found'."""
        return [self.get_owned(file_id, account_id) for file_id in upload_file_ids]

    def open(self, row: UploadFile) -> BinaryIO:
        try:
            return self.storage.open(row.key)
        except StorageNotFound:
            raise NotFoundException("upload file content not found") from None
        except StorageError:
            logger.exception("reading stored object failed")
            raise FailException("reading the file failed, please retry later") from None

    def read(self, row: UploadFile) -> bytes:
        with self.open(row) as stream:
            return stream.read()

    @contextmanager
    def local_path(self, row: UploadFile) -> Iterator[Path]:
        """A local file with the content (with the right suffix), for extractors/loaders."""
        with self.storage.local_path(row.key, suffix=f".{row.extension}" if row.extension else "") as path:
            yield path

    # --- signed URLs for <img> ----------------------------------------------------------
    def signature(self, upload_file_id: uuid.UUID) -> str:
        mac = hmac.new(self.conf.SECRET_KEY.encode(), b"upload-file-content:" + upload_file_id.bytes, hashlib.sha256)
        return base64.urlsafe_b64encode(mac.digest()[:24]).decode().rstrip("=")

    def get_by_signature(self, upload_file_id: uuid.UUID, signature: str) -> UploadFile:
        # bytes on both sides: compare_digest refuses non-ASCII str with a TypeError
        if not hmac.compare_digest(self.signature(upload_file_id).encode(), (signature or "").encode("utf-8", "replace")):
            raise NotFoundException("upload file not found")
        row = self.db.session.get(UploadFile, upload_file_id)
        if row is None:
            raise NotFoundException("upload file not found")
        return row

    @staticmethod
    def is_inline_safe(row: UploadFile) -> bool:
        return row.mime_type in INLINE_SAFE_MIME_TYPES


def _human(size: int) -> str:
    return f"{size / (1024 * 1024):g} MB" if size >= 1024 * 1024 else f"{size} bytes"

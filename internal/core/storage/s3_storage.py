from __future__ import annotations

import threading
from typing import BinaryIO

import boto3
from botocore.config import Config as BotoConfig
from botocore.exceptions import BotoCoreError, ClientError

from .base import Storage, StorageError, StorageNotFound, validate_key

_MISSING = {"404", "NoSuchKey", "NotFound", "NoSuchBucket"}


class S3Storage(Storage):
    """S3-compatible object storage (MinIO in production, AWS S3, any S3 API).

    Path-style addressing (MinIO needs it), SigV4, bounded timeouts and retries. The bucket
    is created on first write when it does not exist (`create_bucket=True`).
    """

    def __init__(self, bucket: str, endpoint_url: str | None = None, access_key: str | None = None,
                 secret_key: str | None = None, region: str = "us-east-1", prefix: str = "",
                 create_bucket: bool = True, connect_timeout: float = 5, read_timeout: float = 60):
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.create_bucket = create_bucket
        self._bucket_ready = False
        self._lock = threading.Lock()
        self.client = boto3.session.Session().client(
            "s3", endpoint_url=endpoint_url or None, aws_access_key_id=access_key or None,
            aws_secret_access_key=secret_key or None, region_name=region or None,
            config=BotoConfig(signature_version="s3v4", s3={"addressing_style": "path"},
                              connect_timeout=connect_timeout, read_timeout=read_timeout,
                              retries={"max_attempts": 3, "mode": "standard"}))

    def _key(self, key: str) -> str:
        key = validate_key(key)
        return f"{self.prefix}/{key}" if self.prefix else key

    def _ensure_bucket(self) -> None:
        if self._bucket_ready or not self.create_bucket:
            return
        with self._lock:
            if self._bucket_ready:
                return
            try:
                self.client.head_bucket(Bucket=self.bucket)
            except ClientError as exc:
                if _code(exc) not in _MISSING:
                    raise
                self.client.create_bucket(Bucket=self.bucket)
            self._bucket_ready = True

    def save(self, key: str, data: bytes, content_type: str = "application/octet-stream") -> None:
        object_key = self._key(key)
        try:
            self._ensure_bucket()
            self.client.put_object(Bucket=self.bucket, Key=object_key, Body=data, ContentType=content_type)
        except (BotoCoreError, ClientError) as exc:
            raise StorageError(f"s3 put failed: {_describe(exc)}") from exc

    def open(self, key: str) -> BinaryIO:
        object_key = self._key(key)
        try:
            return self.client.get_object(Bucket=self.bucket, Key=object_key)["Body"]
        except ClientError as exc:
            if _code(exc) in _MISSING:
                raise StorageNotFound(key) from exc
            raise StorageError(f"s3 get failed: {_describe(exc)}") from exc
        except BotoCoreError as exc:
            raise StorageError(f"s3 get failed: {_describe(exc)}") from exc

    def delete(self, key: str) -> None:
        object_key = self._key(key)
        try:
            self.client.delete_object(Bucket=self.bucket, Key=object_key)
        except ClientError as exc:
            if _code(exc) not in _MISSING:
                raise StorageError(f"s3 delete failed: {_describe(exc)}") from exc
        except BotoCoreError as exc:
            raise StorageError(f"s3 delete failed: {_describe(exc)}") from exc

    def exists(self, key: str) -> bool:
        object_key = self._key(key)
        try:
            self.client.head_object(Bucket=self.bucket, Key=object_key)
            return True
        except ClientError as exc:
            if _code(exc) in _MISSING:
                return False
            raise StorageError(f"s3 head failed: {_describe(exc)}") from exc
        except BotoCoreError as exc:
            raise StorageError(f"s3 head failed: {_describe(exc)}") from exc

    def check(self) -> None:
        try:
            self.client.head_bucket(Bucket=self.bucket)
        except ClientError as exc:
            if _code(exc) in _MISSING and self.create_bucket:
                return  # created on first write
            raise StorageError(f"s3 bucket check failed: {_describe(exc)}") from exc
        except BotoCoreError as exc:
            raise StorageError(f"s3 unreachable: {_describe(exc)}") from exc


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def _describe(exc: Exception) -> str:
    if isinstance(exc, ClientError):
        return _code(exc) or exc.__class__.__name__
    return exc.__class__.__name__

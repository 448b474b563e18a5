"""The upload storage backend chosen by config: local filesystem (default) or S3-compatible."""
from __future__ import annotations

from config import Config
from internal.core.storage import LocalStorage, S3Storage, Storage


def build_storage(conf: Config) -> Storage:
    if conf.STORAGE_BACKEND == "s3":
        return S3Storage(bucket=conf.S3_BUCKET, endpoint_url=conf.S3_ENDPOINT_URL or None,
                         access_key=conf.S3_ACCESS_KEY or None, secret_key=conf.S3_SECRET_KEY or None,
                         region=conf.S3_REGION)
    return LocalStorage(conf.STORAGE_LOCAL_DIR)

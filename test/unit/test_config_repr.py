"""Secrets never show in a repr: services are dataclasses that hold the Config, so a log line
or a traceback that prints a service would otherwise carry the secret key and passwords."""
from __future__ import annotations

from dataclasses import dataclass

from config import Config

SECRETS = {"SECRET_KEY": "secret-key-value-0123456789abcdef0123456789", "ENCRYPTION_KEY": "enc-key-value-xyz",
           "SQLALCHEMY_DATABASE_URI": "postgresql://user:db-password@db/llmops",
           "REDIS_URL": "redis://:redis-password@redis:6379/0", "CELERY_BROKER_URL": "redis://:broker-pw@redis/1",
           "INIT_ACCOUNT_PASSWORD": "first-account-pw", "OAUTH_GITHUB_CLIENT_SECRET": "gh-client-secret",
           "S3_ACCESS_KEY": "s3-access-id", "S3_SECRET_KEY": "s3-secret-key", "MILVUS_TOKEN": "milvus-token",
           "EMBEDDING_API_KEY": "embedding-api-key", "OTEL_EXPORTER_OTLP_HEADERS": "authorization=collector-token",
           "OTEL_EXPORTER_OTLP_ENDPOINT": "https://otel-user:otel-pw@collector.example:4318"}


@dataclass
class SomeService:
    conf: Config


def test_no_secret_in_the_repr_of_the_config_or_of_a_service_holding_it():
    conf = Config(**SECRETS)
    for text in (repr(conf), repr(SomeService(conf)), str(conf)):
        leaked = [name for name, value in SECRETS.items() if value in text or value.split("@")[0] in text]
        assert not leaked, leaked
    assert conf.SECRET_KEY == SECRETS["SECRET_KEY"]  # still there for the code that needs it

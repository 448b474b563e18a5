"""Injector bindings for the platform's shared collaborators. Tests pass override modules."""
from __future__ import annotations

from celery import Celery
from flask_login import LoginManager
from flask_migrate import Migrate
from injector import Binder, Module, provider, singleton
from limits.strategies import RateLimiter
from redis import Redis

from config import Config
from internal.core.storage import Storage
from internal.extension.celery_extension import build_celery
from internal.extension.limiter_extension import build_limiter
from internal.extension.metrics_extension import Metrics
from internal.extension.redis_extension import build_key_reader, build_redis
from internal.extension.storage_extension import build_storage
from internal.extension.telemetry_extension import Telemetry, build_telemetry
from internal.model.base import Base
from pkg.crypto import Encryptor
from pkg.redis_tracking import KeyReader
from pkg.sqlalchemy import SQLAlchemy


class ExtensionModule(Module):
    def __init__(self, conf: Config):
        self.conf = conf

    def configure(self, binder: Binder) -> None:
        conf = self.conf
        binder.bind(Config, to=conf, scope=singleton)
        binder.bind(SQLAlchemy, to=SQLAlchemy(metadata=Base.metadata, session_options={"expire_on_commit": False}),
                    scope=singleton)
        binder.bind(Migrate, to=Migrate(), scope=singleton)
        redis_client = build_redis(conf)
        binder.bind(Redis, to=redis_client, scope=singleton)
        binder.bind(KeyReader, to=build_key_reader(conf, redis_client), scope=singleton)
        binder.bind(Celery, to=build_celery(conf), scope=singleton)
        binder.bind(LoginManager, to=LoginManager(), scope=singleton)
        binder.bind(RateLimiter, to=build_limiter(conf), scope=singleton)
        binder.bind(Metrics, to=Metrics(), scope=singleton)
        binder.bind(Storage, to=build_storage(conf), scope=singleton)
        binder.bind(Encryptor, to=Encryptor(conf.ENCRYPTION_KEY, derive_from=conf.SECRET_KEY), scope=singleton)

    @singleton
    @provider
    def telemetry(self) -> Telemetry:
        # tracing is off unless OTEL_ENABLED; tests bind their own (an in-memory exporter)
        return build_telemetry(self.conf)

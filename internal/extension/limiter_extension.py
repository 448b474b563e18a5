"""Flask-Limiter: counters in Redis in production, in memory in the embedded default."""
from __future__ import annotations

from flask import Flask
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from config import Config


def build_limiter(conf: Config) -> Limiter:
    return Limiter(key_func=get_remote_address, storage_uri=conf.REDIS_URL or "memory://",
                   strategy="moving-window", headers_enabled=True)


def init_app(app: Flask, limiter: Limiter) -> None:
    limiter.init_app(app)

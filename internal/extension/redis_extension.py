"""Redis in production; an in-process fakeredis with the same API in the embedded default."""
from __future__ import annotations

import fakeredis
import redis
from flask import Flask

from config import Config


def build_redis(conf: Config) -> redis.Redis:
    if conf.REDIS_URL:
        return redis.Redis.from_url(conf.REDIS_URL, decode_responses=True, socket_timeout=5,
                                    socket_connect_timeout=5, health_check_interval=30)
    return fakeredis.FakeRedis(decode_responses=True)


def init_app(app: Flask, client: redis.Redis) -> None:
    app.extensions["redis"] = client

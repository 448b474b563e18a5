"""Redis in production; an in-process fakeredis with the same API in the embedded default."""
from __future__ import annotations

import fakeredis
import redis
from flask import Flask

from config import Config
from pkg.redis_tracking import KeyReader, TrackedKeys, UntrackedKeys


def build_redis(conf: Config) -> redis.Redis:
    if conf.REDIS_URL:
        return redis.Redis.from_url(conf.REDIS_URL, decode_responses=True, socket_timeout=5,
                                    socket_connect_timeout=5, health_check_interval=30)
    return fakeredis.FakeRedis(decode_responses=True)


def build_key_reader(conf: Config, client: redis.Redis) -> KeyReader:
    """Hot, rarely written keys (the API-key epoch): client-side cached with Redis invalidation
    (a private RESP3 connection; `client` stays RESP2); the fakeredis default just GETs."""
    if conf.REDIS_URL:
        return TrackedKeys(conf.REDIS_URL, socket_timeout=5)
    return UntrackedKeys(client)


def init_app(app: Flask, client: redis.Redis) -> None:
    app.extensions["redis"] = client

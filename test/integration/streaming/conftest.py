import uuid

import pytest
from redis import Redis

from internal.core.streaming import ChannelSettings, InProcessStreamChannel, RedisStreamChannel
from test.support.environment import redis_url


@pytest.fixture
def redis_client():
    client = Redis.from_url(redis_url(2), decode_responses=True)
    yield client
    client.close()


@pytest.fixture
def prefix(redis_client):
    p = f"test:{uuid.uuid4().hex[:10]}:"
    yield p
    keys = list(redis_client.scan_iter(match=p + "*", count=1000))
    if keys:
        redis_client.delete(*keys)


def make_channel(kind: str, client: Redis, prefix: str, **settings):
    s = ChannelSettings(key_prefix=prefix, **settings)
    if kind == "memory":
        return InProcessStreamChannel(s)
    return RedisStreamChannel(client, s, block_ms=2000, client_name=prefix.replace(":", "-").strip("-"))


@pytest.fixture(params=["memory", "redis"])
def channel_factory(request, redis_client, prefix):
    made = []

    def factory(**settings):
        ch = make_channel(request.param, redis_client, prefix, **settings)
        made.append(ch)
        return ch
    factory.kind = request.param
    yield factory
    for ch in made:
        ch.close()


@pytest.fixture
def channel(channel_factory):
    return channel_factory()

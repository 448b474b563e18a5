"""pkg.redis_tracking on real Redis: cached reads, invalidation by other clients, flush, reconnects."""
from __future__ import annotations

import uuid

import pytest
import redis

from pkg.redis_tracking import TrackedKeys
from test.support.environment import redis_url


@pytest.fixture
def writer():
    client = redis.Redis.from_url(redis_url(0), decode_responses=True)
    yield client
    client.close()


@pytest.fixture
def key(writer):
    name = f"test:tracked:{uuid.uuid4().hex}"
    yield name
    writer.delete(name)


@pytest.fixture
def reader():
    keys = TrackedKeys(redis_url(0), client_name=f"test-tracked-{uuid.uuid4().hex[:12]}")
    yield keys
    keys.close()


def test_repeated_reads_cost_one_round_trip(writer, key, reader):
    writer.set(key, 41)
    assert [reader.get(key) for _ in range(50)] == ["41"] * 50
    assert reader.round_trips == 1
    assert reader.get(key + ":absent") is None and reader.get(key + ":absent") is None
    assert reader.round_trips == 2


def test_every_write_by_another_client_is_seen_by_the_next_read(writer, key, reader):
    """The writer follows its write with one more round trip (as ApiKeyService does): from then
    on the push is in our socket and the next read must see the new value. Repeated to catch races."""
    writer.set(key, 0)
    assert reader.get(key) == "0"
    for i in range(1, 501):
        writer.incr(key)
        writer.ping()
        assert reader.get(key) == str(i)
    writer.delete(key)
    writer.ping()
    assert reader.get(key) is None
    assert reader.round_trips == 502  # one GET per change, none for unchanged reads


def test_flushdb_invalidates(writer, key, reader):
    writer.set(key, 1)
    assert reader.get(key) == "1"
    writer.flushdb()
    writer.ping()
    assert reader.get(key) is None


def test_a_killed_connection_never_serves_a_stale_value(writer, key, reader):
    writer.set(key, 1)
    assert reader.get(key) == "1"
    tracking = [c for c in writer.client_list() if c["name"] == reader._pool_kwargs["client_name"]]
    assert len(tracking) == 1 and "t" in tracking[0]["flags"], "the reader's connection has CLIENT TRACKING on"
    for c in tracking:
        writer.client_kill_filter(_id=c["id"])
    writer.set(key, 2)  # the invalidation cannot reach the killed connection
    assert reader.get(key) == "2"  # reconnected, re-read
    assert reader.get(key) == "2" and reader.round_trips == 2


def test_values_are_re_read_after_max_age(writer, key):
    now = [0.0]
    reader = TrackedKeys(redis_url(0), max_age=5, clock=lambda: now[0])
    try:
        writer.set(key, 1)
        reader.get(key)
        now[0] = 4.9
        reader.get(key)
        assert reader.round_trips == 1
        now[0] = 5.0
        reader.get(key)
        assert reader.round_trips == 2
    finally:
        reader.close()

"""The shared stats of task-aware routing on real Redis: two stores stand for two workers."""
from __future__ import annotations

import uuid

import pytest
import redis

from internal.core.language_model.routing import Decision, InMemoryRouteStatsStore, RedisRouteStatsStore
from test.support.environment import redis_url


class Clock:
    def __init__(self) -> None:
        self.t = 1_700_000_000.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def client():
    c = redis.Redis.from_url(redis_url(0))
    prefix = f"test:route:{uuid.uuid4().hex}:"
    yield c, prefix
    for k in c.scan_iter(prefix + "*"):
        c.delete(k)
    c.close()


def test_two_workers_share_ewmas_and_they_match_the_embedded_store(client):
    c, prefix = client
    clock = Clock()
    one = RedisRouteStatsStore(c, prefix=prefix, clock=clock, flush_interval=None)
    two = RedisRouteStatsStore(c, prefix=prefix, clock=clock, flush_interval=None)
    ref = InMemoryRouteStatsStore(clock)
    outcomes = [(120.0, False), (None, True), (80.0, False), (None, True), (None, True), (60.0, False)]
    for i, (lat, failed) in enumerate(outcomes):
        store = one if i % 2 == 0 else two  # alternate "workers"
        store.observe("dep-a", lat, failed, 0.2, 300.0)
        ref.observe("dep-a", lat, failed, 0.2, 300.0)
        clock.t += 5
    shared = two.stats(["dep-a", "dep-b"])
    expected = ref.stats(["dep-a"])["dep-a"]
    got = shared["dep-a"]
    assert got.requests == 6 and got.failures == 3
    assert got.latency_ms == pytest.approx(expected.latency_ms) and got.error_rate == pytest.approx(
        expected.error_rate)
    assert shared["dep-b"].requests == 0 and shared["dep-b"].latency_ms is None
    # error rates fade with time: one half-life later, half of it
    assert got.error_rate_at(got.updated_at + 300, 300) == pytest.approx(got.error_rate / 2)


def test_local_cache_sees_own_outcomes_at_once_and_others_after_ttl(client):
    c, prefix = client
    clock = Clock()
    one = RedisRouteStatsStore(c, prefix=prefix, local_ttl=1.0, clock=clock, flush_interval=None)
    two = RedisRouteStatsStore(c, prefix=prefix, local_ttl=1.0, clock=clock, flush_interval=None)
    assert two.stats(["d"])["d"].requests == 0  # cached for a second
    one.observe("d", None, True, 0.5, 0)
    assert one.stats(["d"])["d"].error_rate == 0.5  # its own outcome, at once
    assert two.stats(["d"])["d"].requests == 0
    clock.t += 1.1
    assert two.stats(["d"])["d"].error_rate == 0.5


def test_decisions_are_counted_per_task_class_across_workers(client):
    c, prefix = client
    one = RedisRouteStatsStore(c, prefix=prefix, flush_interval=None)
    two = RedisRouteStatsStore(c, prefix=prefix, flush_interval=None)
    one.observe("coder", 10.0, False, 0.2, 300, ("g", Decision("code", "coder", "coder", (), 1.0)))
    two.observe("coder", 12.0, False, 0.2, 300, ("g", Decision("code", "coder", "coder", ("tool_call",), 2.0)))
    two.record_decision("g", Decision("chat", None, "talker", (), 3.0))  # every candidate failed
    counts, last = one.decisions("g")
    assert counts == {"code": {"requests": 2, "coder": 2}, "chat": {"requests": 1}}
    assert last == {"task_class": "chat", "deployment": None, "first_choice": "talker", "requirements": [],
                    "at": 3.0}
    assert one.decisions("other") == ({}, None)


def test_writes_leave_the_request_path_and_arrive_in_one_pipeline(client):
    c, prefix = client
    clock = Clock()
    worker = RedisRouteStatsStore(c, prefix=prefix, local_ttl=1.0, clock=clock,
                                  flush_interval=3600)  # the writer thread sleeps: nothing written yet
    other = RedisRouteStatsStore(c, prefix=prefix, clock=clock, flush_interval=None)
    try:
        for lat in (10.0, 20.0, 30.0):
            worker.observe("d", lat, False, 0.5, 0, ("g", Decision("code", "d", "d", (), 1.0)))
        worker.observe("d", None, True, 0.5, 0)
        mine = worker.stats(["d"])["d"]  # this process sees its outcomes at once...
        assert mine.requests == 4 and mine.failures == 1 and mine.latency_ms == 22.5 and mine.error_rate == 0.5
        assert other.stats(["d"])["d"].requests == 0 and other.decisions("g") == ({}, None)  # ...Redis not yet
        worker.flush()
        shared = other.stats(["d"])["d"]
        assert (shared.requests, shared.failures, shared.latency_ms, shared.error_rate) == (4, 1, 22.5, 0.5)
        assert other.decisions("g")[0] == {"code": {"requests": 3, "d": 3}}
    finally:
        worker.close()

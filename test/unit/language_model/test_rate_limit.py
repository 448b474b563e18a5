import fakeredis
import pytest

from internal.core.language_model.rate_limit import InMemoryRateLimiter, RateLimit, RedisRateLimiter


class Clock:
    def __init__(self, t=6000.0):
        self.t = t

    def __call__(self):
        return self.t


@pytest.fixture(params=["memory", "redis"])
def limiter_and_clock(request):
    clock = Clock()
    if request.param == "memory":
        return InMemoryRateLimiter(clock=clock), clock
    return RedisRateLimiter(fakeredis.FakeRedis(), clock=clock), clock


def test_requests_per_minute(limiter_and_clock):
    limiter, clock = limiter_and_clock
    limit = RateLimit(rpm=3)
    assert all(limiter.acquire("k", limit).allowed for _ in range(3))
    d = limiter.acquire("k", limit)
    assert not d.allowed and d.limit_type == "requests"
    assert 0 < d.retry_after <= 120 and int(d.retry_after_header) >= 1
    # other keys are independent
    assert limiter.acquire("other", limit).allowed
    # rejected requests are not counted: after the window slides enough, we get in again
    clock.t += d.retry_after + 0.01
    assert limiter.acquire("k", limit).allowed


def test_sliding_window_weights_previous_minute(limiter_and_clock):
    limiter, clock = limiter_and_clock
    limit = RateLimit(rpm=10)
    for _ in range(10):
        assert limiter.acquire("k", limit).allowed
    clock.t += 60  # next bucket, 0 s elapsed: previous minute still counts fully
    assert not limiter.acquire("k", limit).allowed
    clock.t += 30  # half the previous minute has slid out: ~5 used
    allowed = sum(limiter.acquire("k", limit).allowed for _ in range(10))
    assert 4 <= allowed <= 5


def test_tokens_per_minute(limiter_and_clock):
    limiter, clock = limiter_and_clock
    limit = RateLimit(tpm=1000)
    assert limiter.acquire("k", limit, tokens=400).allowed
    limiter.record_tokens("k", 900)
    d = limiter.acquire("k", limit, tokens=200)
    assert not d.allowed and d.limit_type == "tokens" and d.retry_after > 0
    clock.t += 130
    assert limiter.acquire("k", limit, tokens=200).allowed


def test_unlimited_is_free(limiter_and_clock):
    limiter, _ = limiter_and_clock
    assert all(limiter.acquire("k", RateLimit()).allowed for _ in range(1000))


def test_redis_limiter_is_shared_between_instances():
    server = fakeredis.FakeServer()
    clock = Clock()
    a = RedisRateLimiter(fakeredis.FakeRedis(server=server), clock=clock)
    b = RedisRateLimiter(fakeredis.FakeRedis(server=server), clock=clock)
    limit = RateLimit(rpm=2)
    assert a.acquire("k", limit).allowed and b.acquire("k", limit).allowed
    assert not a.acquire("k", limit).allowed and not b.acquire("k", limit).allowed


class CountingLimiter:
    def __init__(self, inner):
        self.inner, self.calls, self.added = inner, 0, 0

    def acquire(self, key, limit, tokens=0):
        self.calls += 1
        return self.inner.acquire(key, limit, tokens)

    def add_requests(self, key, n):
        self.added += n
        self.inner.add_requests(key, n)

    def record_tokens(self, key, tokens):
        self.inner.record_tokens(key, tokens)


def test_local_first_saves_round_trips_far_from_the_limit_and_is_exact_near_it():
    from internal.core.language_model.rate_limit import LocalFirstRateLimiter

    clock = Clock()
    shared = CountingLimiter(RedisRateLimiter(fakeredis.FakeRedis(), clock=clock))
    mono = Clock(0.0)
    local = LocalFirstRateLimiter(shared, min_rpm=100, batch_share=0.05, clock=mono)
    limit = RateLimit(rpm=1000)
    assert all(local.acquire("k", limit).allowed for _ in range(300))
    assert shared.calls < 300 / 40  # one shared call per 50 local admissions (5 % of the limit)
    # nothing is lost: everything admitted locally reaches the shared counter
    mono.t += 1  # the local view is stale now: the next request flushes and asks the shared store
    local.acquire("k", limit)
    assert shared.added + shared.calls == 301
    # near the limit every request is exact and the limit holds (over-admission <= the local batch)
    admitted = 301 + sum(local.acquire("k", limit).allowed for _ in range(2000))
    assert 1000 <= admitted <= 1000 + 50
    # small limits are always exact
    before = shared.calls
    local.acquire("small", RateLimit(rpm=10))
    assert shared.calls == before + 1

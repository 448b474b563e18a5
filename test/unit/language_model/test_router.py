import random
from collections import Counter

import fakeredis
import pytest

from internal.core.language_model.catalog import LanguageModelCatalog
from internal.core.language_model.errors import (
    InvalidRequestError,
    ModelNotFoundError,
    NoDeploymentAvailableError,
    RateLimitError,
    UpstreamError,
    UpstreamTimeoutError,
)
from internal.core.language_model.router import Router
from internal.core.language_model.router_config import RouterConfigError, parse_router_config
from internal.core.language_model.state import InMemoryDeploymentStateStore, RedisDeploymentStateStore

from .fakes import ScriptedClient

CATALOG = LanguageModelCatalog()
PROTOCOLS = {p.name: p.provider_entity.protocol for p in CATALOG.get_providers()}


class Clock:
    def __init__(self):
        self.t = 1000.0

    def __call__(self):
        return self.t


def make_router(groups, settings=None, providers=None, script=None, state=None, seed=1, **client_kw):
    cfg = parse_router_config({"settings": {"retry_backoff": 0.5, "num_retries": 2, **(settings or {})},
                               "providers": providers or {}, "model_groups": groups}, PROTOCOLS)
    client = ScriptedClient(script, **client_kw)
    sleeps = []
    router = Router(cfg, CATALOG, state=state, clients={"openai": client}, sleep=sleeps.append,
                    rng=random.Random(seed))
    return router, client, sleeps


def dep(id_, model=None, **kw):
    return {"id": id_, "provider": "openai_compatible", "model": model or id_, "api_base": "http://x/v1", **kw}


def chat(router, name="g"):
    group = router.resolve(name)
    return router.call(group, lambda c, d: c.chat(d, {"messages": [{"role": "user", "content": "hi"}]}))


def test_priority_falls_back_to_next_deployment_after_retries():
    router, client, sleeps = make_router(
        {"g": {"deployments": [dep("a", priority=0), dep("b", priority=1)]}},
        script={"a": [UpstreamError("boom")]})
    res = chat(router)
    assert res.deployment.id == "b"
    assert client.calls["a"] == 3  # 1 try + 2 retries
    assert client.calls["b"] == 1
    assert res.attempts == 4
    assert len(sleeps) == 2  # exponential backoff with jitter:
    assert 0.25 <= sleeps[0] <= 0.5 and 0.5 <= sleeps[1] <= 1.0


def test_retry_after_is_honoured_and_long_waits_move_on():
    router, client, sleeps = make_router(
        {"g": {"deployments": [dep("a"), dep("b", priority=1)]}},
        settings={"max_retry_after": 3},
        script={"a": [RateLimitError("slow down", retry_after=2.0), "ok"]})
    assert chat(router).deployment.id == "a"
    assert sleeps == [2.0]

    router, client, sleeps = make_router(
        {"g": {"deployments": [dep("a"), dep("b", priority=1)]}},
        settings={"max_retry_after": 3},
        script={"a": [RateLimitError("slow down", retry_after=30.0)]})
    assert chat(router).deployment.id == "b"
    assert sleeps == [] and client.calls["a"] == 1


def test_timeouts_are_retried_then_succeed():
    router, client, sleeps = make_router({"g": {"deployments": [dep("a")]}},
                                         script={"a": [UpstreamTimeoutError("t"), UpstreamTimeoutError("t"), "ok"]})
    res = chat(router)
    assert res.deployment.id == "a" and client.calls["a"] == 3 and len(sleeps) == 2


def test_client_errors_are_not_retried_nor_fall_back():
    router, client, sleeps = make_router({"g": {"deployments": [dep("a"), dep("b", priority=1)]}},
                                         script={"a": [InvalidRequestError("bad")]})
    with pytest.raises(InvalidRequestError):
        chat(router)
    assert client.calls == Counter({"a": 1}) and sleeps == []


@pytest.mark.parametrize("state_factory", [
    lambda clock: InMemoryDeploymentStateStore(clock=clock),
    lambda clock: RedisDeploymentStateStore(fakeredis.FakeRedis()),
], ids=["memory", "redis"])
def test_cooldown_after_repeated_failures_skips_deployment(state_factory):
    clock = Clock()
    router, client, sleeps = make_router(
        {"g": {"deployments": [dep("a"), dep("b", priority=1)]}},
        settings={"allowed_fails": 2, "cooldown_seconds": 60, "num_retries": 0},
        script={"a": [UpstreamError("down")]}, state=state_factory(clock))
    chat(router)  # a fails once -> b
    chat(router)  # a fails twice -> cooldown -> b
    assert client.calls["a"] == 2
    for _ in range(5):
        assert chat(router).deployment.id == "b"
    assert client.calls["a"] == 2  # not called while cooling down
    health = router.health(router.resolve("g"))
    a = next(d for d in health["deployments"] if d["id"] == "a")
    assert a["status"] == "cooldown" and a["cooldown_remaining_seconds"] > 0
    assert health["status"] == "degraded"


def test_cooldown_expires_and_deployment_returns():
    clock = Clock()
    router, client, _ = make_router(
        {"g": {"deployments": [dep("a"), dep("b", priority=1)]}},
        settings={"allowed_fails": 1, "cooldown_seconds": 10, "num_retries": 0},
        script={"a": [UpstreamError("down"), "ok"]}, state=InMemoryDeploymentStateStore(clock=clock))
    assert chat(router).deployment.id == "b"
    assert chat(router).deployment.id == "b"
    clock.t += 11
    assert chat(router).deployment.id == "a"


def test_all_cooling_raises_503_with_retry_after():
    router, client, _ = make_router(
        {"g": {"deployments": [dep("a")]}},
        settings={"allowed_fails": 1, "cooldown_seconds": 20, "num_retries": 0},
        script={"a": [UpstreamError("down")]})
    with pytest.raises(UpstreamError):
        chat(router)
    with pytest.raises(NoDeploymentAvailableError) as e:
        chat(router)
    assert e.value.status_code == 503 and 0 < e.value.retry_after <= 20


def test_weighted_split_follows_weights():
    router, client, _ = make_router(
        {"g": {"strategy": "weighted", "deployments": [dep("a", weight=3), dep("b", weight=1)]}}, seed=7)
    picks = Counter(chat(router).deployment.id for _ in range(2000))
    assert 0.70 < picks["a"] / 2000 < 0.80


def test_weighted_zero_weight_only_as_fallback():
    router, client, _ = make_router(
        {"g": {"strategy": "weighted", "deployments": [dep("a", weight=1), dep("b", weight=0)]}},
        settings={"num_retries": 0}, script={"a": ["ok"]})
    assert {chat(router).deployment.id for _ in range(50)} == {"a"}


def test_lowest_latency_prefers_fastest_measured():
    router, client, _ = make_router({"g": {"strategy": "lowest_latency", "deployments": [dep("a"), dep("b")]}})
    router.latency.observe_success("a", 120.0)
    router.latency.observe_success("b", 15.0)
    assert [d.id for d in router.order(router.resolve("g"))] == ["b", "a"]
    router.latency.observe_success("c", 1.0)
    # an unmeasured deployment is tried first so it gets measured
    router2, _, _ = make_router({"g": {"strategy": "lowest_latency", "deployments": [dep("a"), dep("n")]}})
    router2.latency.observe_success("a", 5.0)
    assert router2.order(router2.resolve("g"))[0].id == "n"


def test_lowest_cost_uses_catalog_or_deployment_pricing():
    router, _, _ = make_router({"g": {"strategy": "lowest_cost", "deployments": [
        {"id": "big", "provider": "openai", "model": "gpt-4o", "api_key": "k"},
        {"id": "small", "provider": "openai", "model": "gpt-4o-mini", "api_key": "k"},
        {"id": "custom", "provider": "openai_compatible", "model": "m", "api_base": "http://x/v1",
         "pricing": {"input": 1, "output": 1}},
    ]}})
    assert [d.id for d in router.order(router.resolve("g"))] == ["small", "custom", "big"]


def test_stream_open_falls_back_before_first_chunk():
    router, client, _ = make_router({"g": {"deployments": [dep("a"), dep("b", priority=1)]}},
                                    settings={"num_retries": 0}, script={"a": [UpstreamError("x")]}, text="hi there")
    route = router.open_stream(router.resolve("g"), lambda c, d: c.chat_stream(d, {}))
    assert route.deployment.id == "b"
    assert route.first["choices"][0]["delta"]["content"] == "hi"
    assert route.ttft_ms >= 0


def test_resolve_implicit_groups_need_credentials():
    router, _, _ = make_router({}, providers={"deepseek": {"api_key": "sk-test"}})
    g = router.resolve("deepseek-chat")
    assert g.deployments[0].api_base == "https://api.deepseek.com/v1" and g.deployments[0].api_key == "sk-test"
    with pytest.raises(ModelNotFoundError, match="no credentials"):
        router.resolve("gpt-4o")
    g = router.resolve("gpt-4o", {"openai": {"api_key": "acct-key", "base_url": "http://proxy/v1"}})
    assert g.deployments[0].api_key == "acct-key" and g.deployments[0].api_base == "http://proxy/v1"
    with pytest.raises(ModelNotFoundError):
        router.resolve("totally-unknown")
    assert router.resolve("smollm2-135m-instruct").deployments[0].protocol == "local"
    # customizable providers accept any model name
    g = router.resolve("ollama/mistral", {"ollama": {"base_url": "http://127.0.0.1:11434/v1"}})
    assert g.deployments[0].model == "mistral"


def test_config_validation_and_env_expansion(monkeypatch):
    monkeypatch.setenv("UPSTREAM_URL", "http://up/v1")
    cfg = parse_router_config({"model_groups": {"g": {"deployments": [
        {"provider": "openai_compatible", "model": "m", "api_base": "${UPSTREAM_URL}",
         "api_key": "${MISSING_KEY:-fallback}"}]}}}, PROTOCOLS)
    d = cfg.groups["g"].deployments[0]
    assert d.api_base == "http://up/v1" and d.api_key == "fallback" and d.id == "g#0"
    with pytest.raises(RouterConfigError, match="strategy"):
        parse_router_config({"model_groups": {"g": {"strategy": "random", "deployments": [dep("a")]}}})
    with pytest.raises(RouterConfigError, match="twice"):
        parse_router_config({"model_groups": {"g": {"deployments": [dep("a"), dep("a")]}}})
    with pytest.raises(RouterConfigError, match="no deployments"):
        parse_router_config({"model_groups": {"g": {}}})


def test_redis_state_local_cache_sees_own_failures_at_once_and_others_within_ttl():
    server = fakeredis.FakeServer()
    clock = Clock()
    a = RedisDeploymentStateStore(fakeredis.FakeRedis(server=server), local_ttl=1.0, clock=clock)
    b = RedisDeploymentStateStore(fakeredis.FakeRedis(server=server), local_ttl=1.0, clock=clock)
    assert a.cooldowns(["x"]) == {"x": 0.0} and b.cooldowns(["x"]) == {"x": 0.0}
    b.set_cooldown("x", 30)
    assert b.cooldowns(["x"])["x"] > 0  # own cooldown: immediately
    assert a.cooldowns(["x"])["x"] == 0.0  # other process: cached read...
    clock.t += 1.5
    assert a.cooldowns(["x"])["x"] > 0  # ...refreshed after local_ttl
    # a failure seen locally drops the cached entry
    c = RedisDeploymentStateStore(fakeredis.FakeRedis(server=server), local_ttl=100, clock=clock)
    assert c.cooldowns(["y"])["y"] == 0.0
    b.set_cooldown("y", 30)
    c.record_failure("y", 60)
    assert c.cooldowns(["y"])["y"] > 0
    # successes clear the shared failure counter only when this process saw failures
    b.record_failure("z", 60)
    a.record_success("z")
    assert a.failures("z") == 1
    b.record_success("z")
    assert a.failures("z") == 0


def test_provider_credentials_from_environment():
    from internal.core.language_model.router_config import apply_env_credentials

    cfg = parse_router_config({"providers": {"openai": {"api_key": "from-yaml"}}}, PROTOCOLS)
    apply_env_credentials(cfg, {"OPENAI_API_KEY": "from-env", "DEEPSEEK_API_KEY": "ds", "OLLAMA_BASE_URL": "",
                                "VLLM_API_KEY": "no-base-url"})
    assert cfg.providers["openai"] == {"api_key": "from-yaml"}  # the YAML wins
    assert cfg.providers["deepseek"] == {"api_key": "ds"}
    assert "ollama" not in cfg.providers and "vllm" not in cfg.providers  # need a base URL
    router = Router(cfg, CATALOG)
    assert router.resolve("deepseek-chat").deployments[0].api_key == "ds"

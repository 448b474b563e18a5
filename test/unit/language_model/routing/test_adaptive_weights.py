"""Adaptive weights: measured latency, errors and cost move the shares, and the picks follow.

Deterministic: the router gets a seeded random source, a fake wall clock (error decay) and a
fake timer that the scripted client advances by each deployment's simulated latency.
"""
from __future__ import annotations

import random
from collections import Counter, deque

from internal.core.language_model.catalog import LanguageModelCatalog
from internal.core.language_model.errors import UpstreamError
from internal.core.language_model.router import Router
from internal.core.language_model.router_config import parse_router_config
from internal.core.language_model.routing import InMemoryRouteStatsStore, profile_chat
from internal.core.language_model.routing.weights import AdaptiveOptions, adaptive_shares

from ..fakes import ScriptedClient

CATALOG = LanguageModelCatalog()
PROTOCOLS = {p.name: p.provider_entity.protocol for p in CATALOG.get_providers()}


class Clock:
    def __init__(self, t: float = 1_000_000.0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


class TimedClient(ScriptedClient):
    """Each call to a deployment advances the fake timer by that deployment's latency (seconds)."""

    def __init__(self, timer: Clock, latency: dict[str, float], **kw) -> None:
        super().__init__(**kw)
        self.timer = timer
        self.latency = latency

    def chat(self, dep, body):
        self.timer.t += self.latency.get(dep.model, 0.01)
        return super().chat(dep, body)


def make(deployments, script=None, latency=None, routing=None, seed=5):
    group = {"strategy": "task_aware", "deployments": deployments, "routing": routing or {}}
    cfg = parse_router_config({"settings": {"num_retries": 0, "allowed_fails": 1000},
                               "model_groups": {"g": group}}, PROTOCOLS)
    clock, timer = Clock(), Clock(0.0)
    client = TimedClient(timer, latency or {}, script=script)
    router = Router(cfg, CATALOG, clients={"openai": client}, sleep=lambda s: None, rng=random.Random(seed),
                    route_stats=InMemoryRouteStatsStore(clock), clock=clock, timer=timer)
    return router, client, clock


def dep(id_, **kw):
    return {"id": id_, "provider": "openai_compatible", "model": id_, "api_base": "http://x/v1", **kw}


def ask(router, text="hello there"):
    body = {"messages": [{"role": "user", "content": text}]}
    group = router.resolve("g")
    return router.call(group, lambda c, d: c.chat(d, body), profile_chat(body, 8000)).deployment.id


def weights(router):
    return {d["id"]: d["routing"]["weight"] for d in router.health(router.resolve("g"))["deployments"]}


def test_shares_formula_moves_the_right_way():
    opts = AdaptiveOptions(min_share=0.0)
    even = adaptive_shares([1, 1], [None, None], [0, 0], [0, 0], opts)
    assert even == [0.5, 0.5]
    slow = adaptive_shares([1, 1], [20.0, 400.0], [0, 0], [0, 0], opts)
    assert slow[0] > 0.9  # (20+10)/(400+10) ≈ 0.07 of the fast one's weight
    failing = adaptive_shares([1, 1], [20.0, 20.0], [0.0, 0.5], [0, 0], opts)
    assert abs(failing[1] / failing[0] - 0.25) < 1e-9  # (1-0.5)^2
    pricey = adaptive_shares([1, 1], [None, None], [0, 0], [1e-6, 16e-6], opts)
    assert abs(pricey[1] / pricey[0] - 0.25) < 1e-9  # sqrt(1/16)
    static = adaptive_shares([3, 1], [None, None], [0, 0], [0, 0], opts)
    assert static == [0.75, 0.25]
    floored = adaptive_shares([1, 1], [10.0, 10.0], [0.0, 1.0], [0, 0], AdaptiveOptions(min_share=0.05))
    assert 0.04 < floored[1] < 0.05  # never starved completely: its figures can recover
    assert adaptive_shares([1, 0], [None, None], [0, 0], [0, 0], opts) == [1.0, 0.0]


def test_failing_deployment_loses_weight_and_traffic_moves():
    router, client, _ = make([dep("a"), dep("b")])
    first = Counter(ask(router) for _ in range(40))
    assert first["a"] > 10 and first["b"] > 10  # both healthy: traffic is shared
    assert abs(weights(router)["a"] - 0.5) < 0.1
    client.script = {"a": deque([UpstreamError("down")])}  # a starts failing
    picks = Counter(ask(router) for _ in range(60))  # failures fall back to b: every request is served by b
    assert picks == Counter({"b": 60})
    w = weights(router)
    assert w["a"] < 0.1 < 0.9 < w["b"]
    calls_before = client.calls["a"]
    for _ in range(100):
        ask(router)
    assert client.calls["a"] - calls_before < 15  # a now gets a trickle (min_share), not half
    health = router.health(router.resolve("g"))
    a = next(d for d in health["deployments"] if d["id"] == "a")
    assert a["routing"]["error_rate"] > 0.5 and a["routing"]["observed_failures"] >= 5


def test_slow_deployment_loses_weight():
    router, client, _ = make([dep("fast"), dep("slow")], latency={"fast": 0.02, "slow": 0.02})
    for _ in range(30):
        ask(router)
    assert abs(weights(router)["slow"] - 0.5) < 0.1
    client.latency["slow"] = 0.5  # it starts taking half a second
    for _ in range(40):
        ask(router)
    w = weights(router)
    assert w["slow"] < 0.15
    health = {d["id"]: d["routing"] for d in router.health(router.resolve("g"))["deployments"]}
    assert health["slow"]["measured_latency_ms"] > 200 and 15 < health["fast"]["measured_latency_ms"] < 25
    picks = Counter(ask(router) for _ in range(200))
    assert picks["fast"] > 170


def test_errors_fade_with_time_and_the_deployment_comes_back():
    router, client, clock = make([dep("a"), dep("b")], routing={"error_half_life": 60})
    client.script = {"a": deque([UpstreamError("down")])}
    for _ in range(30):
        ask(router)
    assert weights(router)["a"] < 0.1
    clock.t += 600  # ten half-lives without news
    assert weights(router)["a"] > 0.45
    client.script = {}
    assert Counter(ask(router) for _ in range(60))["a"] > 15


def test_cost_from_the_catalog_tilts_the_split():
    # gpt-4o costs ~16.7x gpt-4o-mini per token: cost_exponent 0.5 -> ~4x less traffic
    router, _, _ = make([{"id": "big", "provider": "openai", "model": "gpt-4o", "api_key": "k"},
                         {"id": "mini", "provider": "openai", "model": "gpt-4o-mini", "api_key": "k"}])
    w = weights(router)
    assert 3.5 < w["mini"] / w["big"] < 4.6
    picks = Counter(ask(router) for _ in range(400))
    assert 0.7 < picks["mini"] / 400 < 0.9
    flat, _, _ = make([{"id": "big", "provider": "openai", "model": "gpt-4o", "api_key": "k"},
                       {"id": "mini", "provider": "openai", "model": "gpt-4o-mini", "api_key": "k"}],
                      routing={"cost_exponent": 0})
    assert abs(weights(flat)["mini"] - 0.5) < 1e-6


def test_static_weights_still_apply():
    router, _, _ = make([dep("a", weight=3), dep("b", weight=1)])
    picks = Counter(ask(router) for _ in range(1000))
    assert 0.70 < picks["a"] / 1000 < 0.80

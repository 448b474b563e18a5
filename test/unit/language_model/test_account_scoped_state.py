"""Deployments built from two accounts' own credentials for the same provider/model share an id
(`openai_compatible/fake-gpt`) but not their state: account A's failing endpoint cools down only
A's deployment, and each account's health shows only its own failures. For every state store."""
from __future__ import annotations

import json
import random

import fakeredis
import pytest

from internal.core.language_model.catalog import LanguageModelCatalog
from internal.core.language_model.errors import NoDeploymentAvailableError, UpstreamError
from internal.core.language_model.gateway import CallContext, LanguageModelGateway
from internal.core.language_model.router import Router
from internal.core.language_model.router_config import parse_router_config
from internal.core.language_model.state import InMemoryDeploymentStateStore, RedisDeploymentStateStore
from pkg.ssrf import SsrfGuard

CATALOG = LanguageModelCatalog()
PROTOCOLS = {p.name: p.provider_entity.protocol for p in CATALOG.get_providers()}
BODY = {"model": "openai_compatible/fake-gpt", "messages": [{"role": "user", "content": "hi"}]}


@pytest.fixture(params=["memory", "redis"])
def gateway(request) -> LanguageModelGateway:
    state = (InMemoryDeploymentStateStore() if request.param == "memory"
             else RedisDeploymentStateStore(fakeredis.FakeRedis(), local_ttl=1.0))
    cfg = parse_router_config({"settings": {"num_retries": 0, "allowed_fails": 2, "cooldown_seconds": 300}},
                              PROTOCOLS)
    router = Router(cfg, CATALOG, state=state, sleep=lambda s: None, rng=random.Random(0),
                    url_guard=SsrfGuard(["127.0.0.1"]))
    gw = LanguageModelGateway(router, CATALOG)
    gw.redis = getattr(state, "redis", None)
    return gw


def contexts(upstream: str) -> tuple[CallContext, CallContext]:
    failing = CallContext(account_id="account-a", credentials={"openai_compatible": {
        "base_url": upstream + "/_behave/fail-500/v1", "api_key": "sk-secret-a"}})
    working = CallContext(account_id="account-b", credentials={"openai_compatible": {
        "base_url": upstream + "/v1", "api_key": "sk-secret-b"}})
    return failing, working


def test_one_accounts_failing_endpoint_does_not_cool_down_anothers(gateway, upstream):
    a, b = contexts(upstream)
    for _ in range(2):
        with pytest.raises(UpstreamError):
            gateway.chat(BODY, a)
    with pytest.raises(NoDeploymentAvailableError):  # A's own deployment is cooling down
        gateway.chat(BODY, a)
    res = gateway.chat(BODY, b)  # same provider/model, B's working endpoint: unaffected
    assert res["choices"][0]["message"]["content"]

    mine, theirs = gateway.model_health(BODY["model"], b), gateway.model_health(BODY["model"], a)
    (dep_b,), (dep_a,) = mine["deployments"], theirs["deployments"]
    assert dep_b["id"] == dep_a["id"] == "openai_compatible/fake-gpt"  # the id is shared...
    assert mine["status"] == "healthy" and dep_b["status"] == "healthy"  # ...the state is not
    assert dep_b["failures"] == 0 and dep_b["successes"] == 1 and dep_b["last_error"] is None
    assert theirs["status"] == "unavailable" and dep_a["status"] == "cooldown" and dep_a["failures"] == 2
    for shown in (mine, theirs):  # F12: ids and status only
        text = json.dumps(shown)
        assert "api_base" not in text and "127.0.0.1" not in text and "sk-secret" not in text
    if gateway.redis is not None:  # state keys name the owner, never the credential
        keys = [k.decode() for k in gateway.redis.keys("*")]
        assert keys and all("sk-secret" not in k for k in keys)
        assert any("account-a" in k for k in keys) and not any("account-b" in k for k in keys)


def test_the_same_account_with_another_endpoint_gets_fresh_state(gateway, upstream):
    a, _ = contexts(upstream)
    for _ in range(2):
        with pytest.raises(UpstreamError):
            gateway.chat(BODY, a)
    fixed = CallContext(account_id="account-a", credentials={"openai_compatible": {
        "base_url": upstream + "/v1", "api_key": "sk-secret-a"}})
    assert gateway.chat(BODY, fixed)["choices"]  # the repaired endpoint is not in cooldown

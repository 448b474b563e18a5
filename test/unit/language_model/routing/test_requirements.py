"""Hard requirements of task_aware groups: tools, image input, JSON mode, context window."""
from __future__ import annotations

import random

import pytest

from internal.core.language_model.catalog import LanguageModelCatalog
from internal.core.language_model.errors import InvalidRequestError
from internal.core.language_model.router import Router
from internal.core.language_model.router_config import RouterConfigError, parse_router_config
from internal.core.language_model.routing import profile_chat

from ..fakes import ScriptedClient

CATALOG = LanguageModelCatalog()
PROTOCOLS = {p.name: p.provider_entity.protocol for p in CATALOG.get_providers()}
IMAGE = {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}}
TOOLS = [{"type": "function", "function": {"name": "f", "parameters": {"type": "object", "properties": {}}}}]


def make(deployments, routing=None):
    group = {"strategy": "task_aware", "deployments": deployments}
    if routing:
        group["routing"] = routing
    cfg = parse_router_config({"settings": {"num_retries": 0}, "model_groups": {"g": group}}, PROTOCOLS)
    client = ScriptedClient()
    router = Router(cfg, CATALOG, clients={"openai": client}, sleep=lambda s: None, rng=random.Random(3))
    return router, client


def dep(id_, **kw):
    return {"id": id_, "provider": "openai_compatible", "model": id_, "api_base": "http://x/v1", **kw}


def served(router, body):
    req = profile_chat(body, router.resolve("g").routing.long_document_tokens)
    res = router.call(router.resolve("g"), lambda c, d: c.chat(d, body), req)
    return res.deployment.id


def msgs(content):
    return [{"role": "user", "content": content}]


def test_each_requirement_picks_the_deployment_that_has_it():
    router, client = make([
        dep("plain"),
        dep("tools", features=["tool_call"]),
        dep("eyes", features=["vision"]),
        dep("json", features=["json_mode"]),
    ])
    for _ in range(20):
        assert served(router, {"messages": msgs("hi"), "tools": TOOLS}) == "tools"
        assert served(router, {"messages": msgs([{"type": "text", "text": "what is this?"}, IMAGE])}) == "eyes"
        assert served(router, {"messages": msgs("hi"), "response_format": {"type": "json_object"}}) == "json"
    # no requirement: any of them
    assert {served(router, {"messages": msgs("hi")}) for _ in range(60)} == {"plain", "tools", "eyes", "json"}


def test_catalog_features_and_context_windows_are_used():
    # gpt-4o-mini: tools, vision, 128k context (catalog); deepseek-chat: tools, no vision
    router, _ = make([{"id": "mini", "provider": "openai", "model": "gpt-4o-mini", "api_key": "k"},
                      {"id": "ds", "provider": "deepseek", "model": "deepseek-chat", "api_key": "k"},
                      dep("small", context_window=1000)])
    group = router.resolve("g")
    caps = {d.id: router.task_aware.capabilities(d) for d in group.deployments}
    assert {"tool_call", "image_input", "json_mode"} <= caps["mini"].features
    assert "image_input" not in caps["ds"].features and "json_mode" in caps["ds"].features
    assert caps["mini"].context_window == 128000 and caps["small"].context_window == 1000
    assert {served(router, {"messages": msgs([IMAGE])}) for _ in range(20)} == {"mini"}
    long = {"messages": msgs("word " * 2000), "max_tokens": 500}  # ~2.5k tokens: not in `small`
    assert "small" not in {served(router, long) for _ in range(40)}


def test_nothing_left_is_a_clear_400_and_no_upstream_call():
    router, client = make([dep("a"), dep("b", context_window=100)])
    with pytest.raises(InvalidRequestError) as e:
        served(router, {"messages": msgs("hi"), "tools": TOOLS})
    assert e.value.status_code == 400 and e.value.param == "tools" and e.value.code == "unsupported_parameter"
    assert "tool calls" in e.value.message and "`g`" in e.value.message
    with pytest.raises(InvalidRequestError) as e:
        served(router, {"messages": msgs([IMAGE]), "response_format": {"type": "json_object"}})
    assert "image input" in e.value.message and "JSON mode" in e.value.message
    router, client = make([dep("b", context_window=100)])
    with pytest.raises(InvalidRequestError) as e:
        served(router, {"messages": msgs("word " * 400), "max_tokens": 50})
    assert e.value.code == "context_length_exceeded" and e.value.param == "messages"
    assert sum(client.calls.values()) == 0


def test_yaml_validation():
    bad = [
        ({"tasks": ["coding"]}, "unknown task class"),
        ({"tasks": {"code": -1}}, "non-negative"),
        ({"features": ["telepathy"]}, "unknown feature"),
        ({"context_window": "big"}, "context_window"),
    ]
    for extra, msg in bad:
        with pytest.raises(RouterConfigError, match=msg):
            make([dep("a", **extra)])
    with pytest.raises(RouterConfigError, match="unknown routing option"):
        make([dep("a")], routing={"ewma": 0.5})
    with pytest.raises(RouterConfigError, match="ewma_alpha"):
        make([dep("a")], routing={"ewma_alpha": 0})
    with pytest.raises(RouterConfigError, match="need strategy task_aware"):
        parse_router_config({"model_groups": {"g": {"routing": {}, "deployments": [dep("a")]}}}, PROTOCOLS)
    router, _ = make([dep("a", tasks={"code": 3, "chat": 1})], routing={"min_share": 0.1,
                                                                       "long_document_tokens": 500})
    g = router.resolve("g")
    assert g.deployments[0].tasks == {"code": 3.0, "chat": 1.0}
    assert g.routing.min_share == 0.1 and g.routing.long_document_tokens == 500

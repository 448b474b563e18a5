"""Routing decisions per task class, tiers, fallbacks, and what health reports."""
from __future__ import annotations

import random
from collections import Counter, deque

import pytest

from internal.core.language_model.catalog import LanguageModelCatalog
from internal.core.language_model.errors import UpstreamError
from internal.core.language_model.router import Router
from internal.core.language_model.router_config import parse_router_config
from internal.core.language_model.routing import profile_chat

from ..fakes import ScriptedClient

CATALOG = LanguageModelCatalog()
PROTOCOLS = {p.name: p.provider_entity.protocol for p in CATALOG.get_providers()}

PROMPTS = {
    "code": ["Write a Python function that reverses a linked list", "```go\nfunc main() {}\n```\nexplain",
             "这段代码报错了，帮我调试"],
    "translation": ["Translate 'good night' into Italian", "请把这句话翻译成英文：早上好"],
    "chat": ["What should I cook tonight?", "讲个笑话吧"],
}


def make(deployments, seed=11):
    cfg = parse_router_config({"settings": {"num_retries": 0, "allowed_fails": 1000},
                               "model_groups": {"g": {"strategy": "task_aware", "deployments": deployments}}},
                              PROTOCOLS)
    client = ScriptedClient()
    return Router(cfg, CATALOG, clients={"openai": client}, sleep=lambda s: None, rng=random.Random(seed)), client


def dep(id_, **kw):
    return {"id": id_, "provider": "openai_compatible", "model": id_, "api_base": "http://x/v1", **kw}


def ask(router, text):
    body = {"messages": [{"role": "user", "content": text}]}
    return router.call(router.resolve("g"), lambda c, d: c.chat(d, body), profile_chat(body, 8000)).deployment.id


@pytest.fixture
def routed():
    return make([dep("coder", tasks=["code"]), dep("linguist", tasks=["translation"]),
                 dep("talker", tasks={"chat": 1, "long_document": 1})])


def test_each_class_goes_to_its_deployment(routed):
    router, _ = routed
    for _ in range(5):
        for text in PROMPTS["code"]:
            assert ask(router, text) == "coder"
        for text in PROMPTS["translation"]:
            assert ask(router, text) == "linguist"
        for text in PROMPTS["chat"]:
            assert ask(router, text) == "talker"
    health = router.health(router.resolve("g"))
    assert health["strategy"] == "task_aware"
    counts = health["routing"]["task_classes"]
    assert counts["code"] == {"requests": 15, "coder": 15}
    assert counts["translation"] == {"requests": 10, "linguist": 10}
    assert counts["chat"] == {"requests": 10, "talker": 10}
    last = health["routing"]["last_decision"]
    assert last["task_class"] == "chat" and last["deployment"] == "talker" and last["requirements"] == []
    tw = {d["id"]: d["routing"]["task_weights"] for d in health["deployments"]}
    assert tw["coder"]["code"] == 1.0 and tw["talker"]["code"] == 0.0 and tw["talker"]["long_document"] == 1.0


def test_specialist_falls_back_to_generalist_then_other_specialists():
    router, client = make([dep("coder", tasks=["code"]), dep("general"), dep("talker", tasks=["chat"])])
    assert {ask(router, PROMPTS["code"][0]) for _ in range(20)} == {"coder"}
    assert {ask(router, PROMPTS["translation"][0]) for _ in range(20)} == {"general"}  # nobody names it
    client.script = {"coder": deque([UpstreamError("down")])}
    assert ask(router, PROMPTS["code"][0]) == "general"  # the next tier, not a chat specialist
    client.script = {"coder": deque([UpstreamError("down")]), "general": deque([UpstreamError("down")])}
    assert ask(router, PROMPTS["code"][0]) == "talker"  # the last tier still serves
    last = router.health(router.resolve("g"))["routing"]["last_decision"]
    assert last == {**last, "task_class": "code", "first_choice": "coder", "deployment": "talker"}


def test_task_weights_split_a_class():
    router, _ = make([dep("a", tasks={"code": 3, "chat": 1}), dep("b", tasks={"code": 1, "chat": 1})], seed=2)
    code = Counter(ask(router, PROMPTS["code"][0]) for _ in range(800))
    assert 0.68 < code["a"] / 800 < 0.82
    chat = Counter(ask(router, PROMPTS["chat"][0]) for _ in range(800))
    assert 0.40 < chat["a"] / 800 < 0.60


def test_tools_requirement_beats_task_preference():
    router, _ = make([dep("coder", tasks=["code"]), dep("agent", features=["tool_call"])])
    tools = [{"type": "function", "function": {"name": "run", "parameters": {"type": "object"}}}]
    body = {"messages": [{"role": "user", "content": PROMPTS["code"][0]}], "tools": tools}
    res = router.call(router.resolve("g"), lambda c, d: c.chat(d, body), profile_chat(body, 8000))
    assert res.deployment.id == "agent"
    last = router.health(router.resolve("g"))["routing"]["last_decision"]
    assert last["task_class"] == "code" and last["requirements"] == ["tool_call"]


def test_other_strategies_ignore_the_request():
    cfg = parse_router_config({"model_groups": {"g": {"deployments": [dep("a"), dep("b", priority=1)]}}},
                              PROTOCOLS)
    router = Router(cfg, CATALOG, clients={"openai": ScriptedClient()})
    body = {"messages": [{"role": "user", "content": "hi"}], "tools": [{"type": "function"}]}
    res = router.call(router.resolve("g"), lambda c, d: c.chat(d, body), profile_chat(body, 8000))
    assert res.deployment.id == "a"  # priority: no requirement filtering
    assert "routing" not in router.health(router.resolve("g"))

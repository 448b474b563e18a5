"""Task-aware routing over HTTP: the `openai` SDK against our server (both layouts), two fake
upstream deployments per group (task_aware_groups.py).

(a) a code prompt goes to the code deployment, a chat prompt to the chat one; (b) a deployment
that starts failing / slowing loses weight and traffic moves; (c) a request with tools skips the
deployment without tool support, and one nobody can serve is a 400; (d) health shows it all.
"""
from __future__ import annotations

import httpx
import openai
import pytest

from test.support.processes import wait_until

from .conftest import RATE_LIMIT_RPM, upstream_stats

TOOLS = [{"type": "function", "function": {"name": "run_tests", "description": "Run the test suite",
                                           "parameters": {"type": "object", "properties": {}}}}]


def health(gateway_server, key: str, model: str) -> dict:
    r = httpx.get(f"{gateway_server.url}/v1/models/{model}/health", headers={"Authorization": f"Bearer {key}"},
                  timeout=10)
    assert r.status_code == 200
    return r.json()


def settled_health(gateway_server, key: str, model: str, ready) -> dict:
    """Health once `ready(health)` holds: with Redis, outcomes are written by a background thread
    (~0.1 s) and each worker caches the figures for LLM_STATE_LOCAL_CACHE_SECONDS (1 s)."""
    seen: list[dict] = []

    def check() -> bool:
        seen[:] = [health(gateway_server, key, model)]
        return bool(ready(seen[0]))

    try:
        wait_until(check, timeout=10, what=f"health of {model}", interval=0.1)
    except TimeoutError:
        raise AssertionError(f"health of {model} never settled: {seen[0]}") from None
    return seen[0]


def ask(oai, model: str, text: str, **kw) -> str:
    return oai.chat.completions.create(model=model, messages=[{"role": "user", "content": text}], **kw).model


def test_code_and_chat_prompts_go_to_their_deployments(oai, gateway_server):
    before = health(gateway_server, oai.api_key, "routed")["routing"]["task_classes"]
    code = ["Write a Python function that parses ISO dates", "```rust\nfn main() {}\n```\nwhy no output?",
            "帮我写一个 JavaScript 函数，去掉数组里的重复元素"]
    chat = ["What is a good name for a goldfish?", "今天适合去公园散步吗？"]
    for text in code:
        assert ask(oai, "routed", text) == "rt-coder"
    for text in chat:
        assert ask(oai, "routed", text) == "rt-chat"
    assert ask(oai, "routed", "请把这句话翻译成英文：明天见") == "rt-chat"  # serves translation too
    stream = oai.chat.completions.create(model="routed", stream=True,
                                         messages=[{"role": "user", "content": "def f(x): return x  # fix it"}])
    assert {c.model for c in stream} == {"rt-coder"}

    def delta(h: dict, task: str, dep: str) -> int:
        counts = h["routing"]["task_classes"]
        return counts.get(task, {}).get(dep, 0) - before.get(task, {}).get(dep, 0)

    h = settled_health(gateway_server, oai.api_key, "routed",
                       lambda h: delta(h, "code", "rt-coder") + delta(h, "chat", "rt-chat") +
                       delta(h, "translation", "rt-chat") >= 7)
    assert h["strategy"] == "task_aware"
    assert delta(h, "code", "rt-coder") == 4 and delta(h, "chat", "rt-chat") == 2
    assert delta(h, "translation", "rt-chat") == 1 and delta(h, "code", "rt-chat") == 0
    assert h["routing"]["last_decision"]["task_class"] in ("code", "chat", "translation")
    deps = {d["id"]: d for d in h["deployments"]}
    assert deps["rt-coder"]["routing"]["task_weights"]["code"] == 1.0
    assert deps["rt-chat"]["routing"]["task_weights"]["code"] == 0.0
    assert deps["rt-coder"]["routing"]["features"] == ["json_mode", "tool_call"]


def test_tools_skip_the_deployment_without_tool_support(oai, gateway_server):
    # a chat prompt prefers rt-chat, but it cannot call tools
    res = oai.chat.completions.create(model="routed", tools=TOOLS,
                                      messages=[{"role": "user", "content": "Hello, how are you?"}])
    assert res.model == "rt-coder" and res.choices[0].finish_reason == "tool_calls"
    h = settled_health(gateway_server, oai.api_key, "routed",
                       lambda h: (h["routing"]["last_decision"] or {}).get("requirements") == ["tool_call"])
    last = h["routing"]["last_decision"]
    assert last == {**last, "task_class": "chat", "deployment": "rt-coder", "requirements": ["tool_call"]}


def test_unservable_request_is_a_clear_400(oai, gateway_server):
    before = upstream_stats(gateway_server)
    image = {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}}
    with pytest.raises(openai.BadRequestError) as e:
        oai.chat.completions.create(model="routed", messages=[{"role": "user", "content": [
            {"type": "text", "text": "What is in this picture?"}, image]}])
    err = e.value.body
    assert e.value.status_code == 400 and err["code"] == "unsupported_parameter" and err["param"] == "messages"
    assert "image input" in err["message"] and "routed" in err["message"]
    with pytest.raises(openai.BadRequestError) as e:  # windows: rt-coder 16000, rt-chat 4000 tokens
        oai.chat.completions.create(model="routed", max_tokens=20_000,
                                    messages=[{"role": "user", "content": "Tell me about the sea."}])
    assert e.value.body["code"] == "context_length_exceeded"
    assert upstream_stats(gateway_server) == before  # nothing reached an upstream


class RotatingClient:
    """The adaptive tests send more requests than one key may per minute: a fresh key (own
    rate-limit counters) every few requests."""

    def __init__(self, gateway_server) -> None:
        self.gateway_server = gateway_server
        self.sent = 0
        self.client: openai.OpenAI | None = None

    @property
    def api_key(self) -> str:
        assert self.client is not None
        return self.client.api_key

    @property
    def chat(self):
        if self.client is None or self.sent % (RATE_LIMIT_RPM - 5) == 0:
            self.client = openai.OpenAI(base_url=self.gateway_server.url + "/v1", max_retries=0, timeout=60,
                                        api_key=self.gateway_server.new_key())
        self.sent += 1
        return self.client.chat


@pytest.fixture
def many(gateway_server) -> RotatingClient:
    return RotatingClient(gateway_server)


def _until(oai, model: str, gateway_server, upstream_model: str, count: int, limit: int = 200) -> int:
    """Send requests until the upstream has seen `count` calls for `upstream_model`; return how many."""
    for i in range(limit):
        if upstream_stats(gateway_server).get(upstream_model, 0) >= count:
            return i
        ask(oai, model, "hello")
    raise AssertionError(f"{upstream_model} got fewer than {count} calls in {limit} requests")


def test_failing_deployment_loses_weight_and_traffic_moves(many, oai, gateway_server):
    degrading = "ae-degrading-after-8-fail-500"
    h = health(gateway_server, oai.api_key, "adaptive-errors")
    w = {d["id"]: d["routing"]["weight"] for d in h["deployments"]}
    assert abs(w["ae-degrading"] - 0.5) < 0.2  # healthy so far: a fair share
    _until(many, "adaptive-errors", gateway_server, degrading, 8)  # its last good answers
    # it now fails; every request is still answered (fallback to ae-steady)
    for _ in range(40):
        assert ask(many, "adaptive-errors", "hello") == "ae-steady"
    h = settled_health(gateway_server, oai.api_key, "adaptive-errors",
                       lambda h: h["deployments"][1]["routing"]["weight"] < 0.25)  # ae-degrading
    deps = {d["id"]: d["routing"] for d in h["deployments"]}
    assert deps["ae-degrading"]["error_rate"] > 0.3 and deps["ae-degrading"]["observed_failures"] >= 2
    assert deps["ae-degrading"]["weight"] < 0.25 < 0.75 < deps["ae-steady"]["weight"]
    before = upstream_stats(gateway_server).get(degrading, 0)
    for _ in range(40):
        ask(many, "adaptive-errors", "hello")
    # a healthy deployment would get ~20 of 40; the failing one only a trickle
    assert upstream_stats(gateway_server).get(degrading, 0) - before <= 10


def test_slowing_deployment_loses_weight_and_traffic_moves(many, oai, gateway_server):
    slowing = "al-slowing-after-8-delay-400"
    _until(many, "adaptive-latency", gateway_server, slowing, 8)
    _until(many, "adaptive-latency", gateway_server, slowing, 12)  # four slow answers (400 ms each)
    h = settled_health(gateway_server, oai.api_key, "adaptive-latency",
                       lambda h: (h["deployments"][1]["routing"]["measured_latency_ms"] or 0) > 100
                       and h["deployments"][1]["routing"]["weight"] < 0.25)  # al-slowing
    deps = {d["id"]: d["routing"] for d in h["deployments"]}
    assert deps["al-slowing"]["measured_latency_ms"] > 100 > deps["al-steady"]["measured_latency_ms"]
    assert deps["al-slowing"]["weight"] < 0.25 and deps["al-slowing"]["error_rate"] == 0
    before = upstream_stats(gateway_server).get(slowing, 0)
    for _ in range(40):
        assert ask(many, "adaptive-latency", "hello") in ("al-steady", slowing)
    assert upstream_stats(gateway_server).get(slowing, 0) - before <= 10

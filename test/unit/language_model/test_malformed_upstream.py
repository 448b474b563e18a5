"""A malformed upstream 200 (no usable choices) is an upstream failure: 502 before anything
reaches the client, blocking and streaming, and a good fallback deployment answers instead."""
from __future__ import annotations

import json
import random

import pytest

from internal.core.language_model.catalog import LanguageModelCatalog
from internal.core.language_model.errors import UpstreamError
from internal.core.language_model.gateway import CallContext, LanguageModelGateway
from internal.core.language_model.router import Router
from internal.core.language_model.router_config import parse_router_config
from internal.core.language_model.usage import MemoryUsageSink

CATALOG = LanguageModelCatalog()
PROTOCOLS = {p.name: p.provider_entity.protocol for p in CATALOG.get_providers()}
MSG = [{"role": "user", "content": "hi"}]


def gateway(upstream: str) -> tuple[LanguageModelGateway, MemoryUsageSink]:
    def dep(dep_id: str, model: str, priority: int = 0) -> dict:
        return {"id": dep_id, "provider": "openai_compatible", "model": model, "api_base": upstream + "/v1",
                "priority": priority}

    cfg = parse_router_config({"settings": {"num_retries": 0, "allowed_fails": 100}, "model_groups": {
        "bad": {"deployments": [dep("bad", "x-malformed")]},
        "bad-instruct": {"model_type": "completion", "deployments": [dep("bad-i", "x-malformed")]},
        "bad-embed": {"model_type": "embedding", "deployments": [dep("bad-e", "x-malformed")]},
        "bad-then-good": {"deployments": [dep("first-bad", "y-malformed", 0), dep("second-good", "good", 1)]},
    }}, PROTOCOLS)
    sink = MemoryUsageSink()
    router = Router(cfg, CATALOG, sleep=lambda s: None, rng=random.Random(0))
    return LanguageModelGateway(router, CATALOG, sink), sink


@pytest.mark.parametrize("call, body", [
    ("chat", {"model": "bad", "messages": MSG}),
    ("completion", {"model": "bad-instruct", "prompt": "hi"}),
    ("embeddings", {"model": "bad-embed", "input": "hi"}),
])
def test_a_blocking_200_without_choices_is_a_502(upstream, call, body):
    gw, sink = gateway(upstream)
    with pytest.raises(UpstreamError) as info:
        getattr(gw, call)(body, CallContext())
    assert info.value.status_code == 502 and info.value.code == "upstream_invalid_response"
    assert info.value.to_openai()["error"]["type"] == "server_error"
    assert sink.records[-1].status == "error" and sink.records[-1].error_code == "upstream_invalid_response"


@pytest.mark.parametrize("call, body", [
    ("chat_stream", {"model": "bad", "messages": MSG, "stream": True}),
    ("completion_stream", {"model": "bad-instruct", "prompt": "hi", "stream": True}),
])
def test_a_stream_without_choices_fails_before_the_first_byte(upstream, call, body):
    gw, _ = gateway(upstream)
    with pytest.raises(UpstreamError) as info:
        getattr(gw, call)(body, CallContext())  # raises while opening: the handler answers a real 502
    assert info.value.status_code == 502 and info.value.code == "upstream_invalid_response"


def test_a_malformed_deployment_fails_over_to_the_next(upstream):
    gw, _ = gateway(upstream)
    res = gw.chat({"model": "bad-then-good", "messages": MSG}, CallContext())
    assert res["choices"][0]["message"]["content"]
    frames = b"".join(gw.chat_stream({"model": "bad-then-good", "messages": MSG, "stream": True}, CallContext()))
    chunks = [json.loads(f[6:]) for f in frames.decode().split("\n\n") if f.startswith("data: {")]
    assert chunks and all(isinstance(c["choices"], list) for c in chunks)
    assert gw.router.latency.stats("first-bad")["failures"] == 2


class _BreaksShapeMidStream:
    """A client whose stream starts well, then sends a chunk without choices."""

    def chat_stream(self, dep, body):
        yield {"id": "c1", "object": "chat.completion.chunk", "created": 1, "model": dep.model,
               "choices": [{"index": 0, "delta": {"content": "Hello"}, "finish_reason": None}]}
        yield {"object": "chat.completion.chunk", "foo": 1}


def test_a_chunk_without_choices_mid_stream_ends_it_with_an_error_event():
    cfg = parse_router_config({"settings": {"num_retries": 0}, "model_groups": {"g": {"deployments": [
        {"id": "d", "provider": "openai_compatible", "model": "m", "api_base": "http://unused/v1"}]}}}, PROTOCOLS)
    sink = MemoryUsageSink()
    router = Router(cfg, CATALOG, clients={"openai": _BreaksShapeMidStream()}, sleep=lambda s: None)
    gw = LanguageModelGateway(router, CATALOG, sink)
    frames = b"".join(gw.chat_stream({"model": "g", "messages": MSG, "stream": True}, CallContext())).decode()
    events = [json.loads(f[6:]) for f in frames.split("\n\n") if f.startswith("data: {")]
    assert events[0]["choices"][0]["delta"]["content"] == "Hello"
    assert events[-1]["error"]["code"] == "stream_interrupted" and "[DONE]" not in frames
    assert sink.records[-1].status == "error"

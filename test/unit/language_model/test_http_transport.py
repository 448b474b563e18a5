"""The raw-socket upstream transport against the fake upstream (run in a thread, real sockets)."""
from __future__ import annotations

import json
import socket

import pytest

from internal.core.language_model.http_transport import HTTPPool, TransportError, TransportTimeout

H = {"content-type": "application/json"}


def post(pool, url, body, timeout=5.0):
    return pool.request("POST", url + "/v1/chat/completions", json.dumps(body).encode(), H, timeout=timeout,
                        connect_timeout=2)


MSG = [{"role": "user", "content": "hi"}]


def test_content_length_body_and_keep_alive_reuse(upstream):
    pool = HTTPPool()
    for _ in range(3):
        r = post(pool, upstream, {"model": "m", "messages": MSG})
        assert r.status == 200 and json.loads(r.read())["object"] == "chat.completion"
    assert sum(len(v) for v in pool._idle.values()) == 1  # one connection, reused


def test_error_status_and_headers(upstream):
    r = post(HTTPPool(), upstream, {"model": "m-fail-429-retry-after-7", "messages": MSG})
    assert r.status == 429 and r.headers["retry-after"] == "7"
    assert json.loads(r.read())["error"]["code"] == "rate_limit_exceeded"


@pytest.mark.parametrize("model", ["m", "m-chunk-delay-1"])
def test_chunked_stream_lines(upstream, model):
    pool = HTTPPool()
    r = post(pool, upstream, {"model": model, "messages": MSG, "stream": True})
    lines = [line for line in r.iter_lines() if line]
    assert lines[-1] == b"data: [DONE]" and all(line.startswith(b"data: ") for line in lines)
    assert sum(len(v) for v in pool._idle.values()) == 1  # fully read: back in the pool


def test_stream_dropped_midway_raises(upstream):
    pool = HTTPPool()
    r = post(pool, upstream, {"model": "m-drop-after-2", "messages": MSG, "stream": True})
    with pytest.raises(TransportError):
        list(r.iter_lines())
    assert sum(len(v) for v in pool._idle.values()) == 0


def test_read_timeout_and_refused_connection(upstream):
    with pytest.raises(TransportTimeout):
        post(HTTPPool(), upstream, {"model": "m-delay-2000", "messages": MSG}, timeout=0.2)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead = s.getsockname()[1]
    with pytest.raises(TransportError):
        post(HTTPPool(), f"http://127.0.0.1:{dead}", {"model": "m", "messages": MSG})


def test_stale_pooled_connection_is_retried_once(upstream):
    pool = HTTPPool()
    post(pool, upstream, {"model": "m", "messages": MSG}).read()
    (conn,) = [c for v in pool._idle.values() for c in v]
    conn.sock.shutdown(socket.SHUT_RDWR)  # the pooled connection is now dead
    r = post(pool, upstream, {"model": "m", "messages": MSG})
    assert r.status == 200 and r.read()


def test_stream_through_client_returns_connection_to_pool(upstream):
    from internal.core.language_model.clients import OpenAICompatibleClient
    from internal.core.language_model.deployment import Deployment

    pool = HTTPPool()
    client = OpenAICompatibleClient(pool)
    dep = Deployment(id="d", provider="openai_compatible", model="m", api_base=upstream + "/v1")
    for _ in range(3):
        chunks = list(client.chat_stream(dep, {"messages": MSG, "stream_options": {"include_usage": True}}))
        assert chunks[-1]["usage"]["total_tokens"] > 0
    assert sum(len(v) for v in pool._idle.values()) == 1  # the same keep-alive connection every time


@pytest.mark.parametrize("model,include_usage,estimated", [
    ("m", True, False), ("m", False, False), ("m-no-usage", True, True), ("m-no-usage", False, True)])
def test_gateway_relays_upstream_bytes_and_accounts_usage(upstream, model, include_usage, estimated):
    from internal.core.language_model.catalog import LanguageModelCatalog
    from internal.core.language_model.gateway import CallContext, LanguageModelGateway
    from internal.core.language_model.router import Router
    from internal.core.language_model.router_config import parse_router_config
    from internal.core.language_model.usage import MemoryUsageSink

    catalog = LanguageModelCatalog()
    cfg = parse_router_config({"model_groups": {"g": {"deployments": [
        {"id": "d", "provider": "openai_compatible", "model": model, "api_base": upstream + "/v1"}]}}},
        {p.name: p.provider_entity.protocol for p in catalog.get_providers()})
    sink = MemoryUsageSink()
    gw = LanguageModelGateway(Router(cfg, catalog), catalog, sink)
    body = {"model": "g", "messages": MSG, "stream": True}
    if include_usage:
        body["stream_options"] = {"include_usage": True}
    raw = b"".join(gw.chat_stream(body, CallContext()))
    frames = [f[len(b"data: "):] for f in raw.split(b"\n\n") if f]
    assert frames[-1] == b"[DONE]"
    events = [json.loads(f) for f in frames[:-1]]
    text = "".join(e["choices"][0]["delta"].get("content") or "" for e in events if e["choices"])
    assert text == "Hello from the fake upstream model here is"
    usage_events = [e for e in events if not e["choices"]]
    assert len(usage_events) == (1 if include_usage else 0)
    (rec,) = sink.records
    assert rec.estimated is estimated and rec.completion_tokens > 0 and rec.status == "success"
    if include_usage:
        assert usage_events[0]["usage"]["completion_tokens"] == rec.completion_tokens

"""The raw-socket upstream transport against the fake upstream (run in a thread, real sockets)."""
from __future__ import annotations

import asyncio
import json
import socket
import threading

import pytest

from internal.core.language_model.http_transport import HTTPPool, TransportError, TransportTimeout
from test.support.fake_openai.server import start_server

H = {"content-type": "application/json"}


@pytest.fixture(scope="module")
def upstream():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    server = asyncio.run_coroutine_threadsafe(start_server("127.0.0.1", port), loop).result(10)
    yield f"http://127.0.0.1:{port}"

    async def shutdown():
        server.close()
        for task in asyncio.all_tasks():
            if task is not asyncio.current_task():
                task.cancel()

    asyncio.run_coroutine_threadsafe(shutdown(), loop).result(10)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(10)
    loop.close()


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

"""The production server's gevent wiring, on real processes (gunicorn with app/http/gunicorn_conf.py,
ONE worker, so a call that blocks the worker's gevent hub would stall every other request):

- psycopg 3 under gevent: a request stuck in a PostgreSQL query (waiting on a lock the test
  holds) parks only its own greenlet; /ping on the same worker still answers at once.
- pkg.cooperative: the in-process local model (llama.cpp) generates on gevent's native thread
  pool; /ping keeps answering while it computes.
- hit testing under concurrency: the query embedding computes off the hub while the Redis
  embedding cache is read and written on it (a native thread on gevent's patched sockets failed
  15-20 % of hit tests with "Cannot switch to a different thread").
- fair accepts, the idle keep-alive timeout and the request-header reader of
  app.http.gevent_worker.GeventWorker.
"""
from __future__ import annotations

import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import psycopg
import pytest

from internal.service.api_key_service import ApiKeyService
from test.support.environment import PG_HOST, PG_PORT, PG_USER
from test.support.live_stack import live_stack
from test.support.processes import wait_until

PING_BUDGET = 1.0  # seconds; a blocked hub keeps /ping waiting for the whole blocking call


@pytest.fixture(scope="module")
def one_worker(tmp_path_factory):
    env = {"LLM_LOCAL_THREADS": "2", "GUNICORN_KEEPALIVE": "1", "GUNICORN_WORKER_CLASS": None}  # the production default
    with live_stack(tmp_path_factory.mktemp("gevent-e2e"), "gevent_e2e", 5, env, workers=1) as stack:

        def new_key() -> str:
            with stack.app.app_context():
                _, raw = stack.app.extensions["injector"].get(ApiKeyService).create_api_key(stack.account.account_id, True, "e2e")
            return raw

        yield stack.url, stack.database, new_key, stack.server, stack.account.headers


def _timed_ping(url: str) -> float:
    t0 = time.monotonic()
    res = httpx.get(url + "/ping", timeout=10)
    assert res.status_code == 200
    return time.monotonic() - t0


def test_a_request_waiting_on_postgresql_does_not_block_the_worker(one_worker):
    url, database, new_key, *_ = one_worker
    key = new_key()  # not in the worker's API-key cache: the first /v1 call queries api_key
    lock = psycopg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, dbname=database)
    # autocommit: a fresh pg_stat_activity snapshot per query
    monitor = psycopg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, dbname=database, autocommit=True)
    result: dict = {}
    try:
        with lock.cursor() as cur:
            cur.execute("LOCK TABLE api_key IN ACCESS EXCLUSIVE MODE")  # held until rollback

            def call():
                result["res"] = httpx.get(url + "/v1/models", headers={"Authorization": f"Bearer {key}"},
                                          timeout=60)

            caller = threading.Thread(target=call)
            caller.start()

            def waiting_on_lock() -> bool:
                with monitor.cursor() as probe:
                    probe.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = %s "
                                  "AND wait_event_type = 'Lock'", (database,))
                    return probe.fetchone()[0] > 0

            wait_until(waiting_on_lock, timeout=30, what="the /v1 request to wait on the api_key lock")
            # the worker has a request parked inside the driver right now
            assert _timed_ping(url) < PING_BUDGET
            assert caller.is_alive()
    finally:
        lock.rollback()
        lock.close()
        monitor.close()
    caller.join(60)
    assert result["res"].status_code == 200


@pytest.mark.slow
def test_the_local_model_computes_off_the_gevent_hub(one_worker):
    url, _, new_key, *_ = one_worker
    headers = {"Authorization": f"Bearer {new_key()}"}
    body = {"model": "smollm2-135m-instruct", "max_tokens": 96, "temperature": 0,
            "messages": [{"role": "user", "content": "Write a long story about a lighthouse keeper."}]}
    # load the model first (that is off the hub too, but it is not what this test times)
    warm = httpx.post(url + "/v1/chat/completions", json={**body, "max_tokens": 1}, headers=headers, timeout=120)
    assert warm.status_code == 200, warm.text
    results: list = []

    def generate():
        results.append(httpx.post(url + "/v1/chat/completions", json=body, headers=headers, timeout=300))

    # serialised by the model's lock; 300 s: under a shared machine's load one 96-token answer took 33 s
    callers = [threading.Thread(target=generate) for _ in range(3)]
    t0 = time.monotonic()
    for c in callers:
        c.start()
    pings = []
    while any(c.is_alive() for c in callers):
        pings.append(_timed_ping(url))
    generating = time.monotonic() - t0
    for c in callers:
        c.join()
    assert [r.status_code for r in results] == [200, 200, 200]
    tokens = sum(r.json()["usage"]["completion_tokens"] for r in results)
    # meaningful only when generating took clearly longer than the ping budget
    assert generating > 3 * PING_BUDGET, f"generation too short to tell ({generating:.2f}s, {tokens} tokens)"
    assert len(pings) >= 3 and max(pings) < PING_BUDGET, (pings, generating)


def test_small_responses_go_out_in_one_send_and_idle_connections_are_closed(one_worker):
    url, *_ = one_worker
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as sock:
        sock.sendall(f"GET /ping HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
        first = sock.recv(65536)
        head, _, body = first.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 200")
        length = int(next(v for k, _, v in (h.partition(b":") for h in head.split(b"\r\n")[1:])
                          if k.strip().lower() == b"content-length"))
        assert len(body) == length  # headers and the small body left in one send
        t0 = time.monotonic()
        rest = sock.recv(65536)  # GUNICORN_KEEPALIVE=1: the server closes the idle connection
        assert rest == b"" and time.monotonic() - t0 < 10


def _exchange(url: str, raw: bytes) -> tuple[bytes, bytes]:
    """Send raw bytes on a fresh connection; (status line + headers, body) of the answer."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as sock:
        sock.sendall(raw)
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = sock.recv(65536)
            assert chunk, data
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        length = next((int(v) for k, _, v in (h.partition(b":") for h in head.split(b"\r\n")[1:])
                       if k.strip().lower() == b"content-length"), None)
        while length is not None and len(body) < length:
            body += sock.recv(65536)
        return head, body


def test_headers_are_read_strictly(one_worker):
    url, *_ = one_worker
    ok_head, _ = _exchange(url, b"GET /ping HTTP/1.1\r\nHost: x\r\nX-Request-Id: first\r\n\tfolded\r\n"
                                b"Connection: close\r\n\r\n")
    assert ok_head.startswith(b"HTTP/1.1 200") and b"\r\nDate: " in ok_head  # a folded line continues a value
    bad_head, _ = _exchange(url, b"GET /ping HTTP/1.1\r\nHost: x\r\nX-Smuggle : 1\r\n\r\n")
    assert bad_head.startswith(b"HTTP/1.1 400")


def test_a_chunked_v1_body_is_read(one_worker):
    """No Content-Length: the API lane hands the request to Flask, which reads the chunked body."""
    url, _, new_key, *_ = one_worker
    body = b'{"model": "no-such-model", "messages": [{"role": "user", "content": "hi"}]}'
    raw = (f"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {new_key()}\r\n"
           f"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n").encode()
    raw += b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body)
    head, payload = _exchange(url, raw)
    assert head.startswith(b"HTTP/1.1 404"), head
    assert b'"code":"model_not_found"' in payload.replace(b" ", b"")


def test_concurrent_hit_tests_on_the_gevent_worker_all_succeed(one_worker):
    url, _, _, _, console_headers = one_worker
    created = httpx.post(url + "/datasets", json={"name": "gevent hit tests", "description": "F3"},
                         headers=console_headers, timeout=30).json()
    assert created["code"] == "success", created
    dataset = created["data"]["id"]

    def hit(i: int) -> dict:
        # 20 distinct queries, each asked twice: cache misses (embed + store) and hits (lookup)
        body = {"query": f"lighthouse keeper question {i % 20}", "k": 3,
                "retrieval_strategy": "semantic" if i % 2 else "hybrid"}
        res = httpx.post(f"{url}/datasets/{dataset}/hit", json=body, headers=console_headers, timeout=180)
        assert res.status_code == 200
        return res.json()

    with ThreadPoolExecutor(5) as pool:
        answers = list(pool.map(hit, range(40)))
    failed = [a for a in answers if a["code"] != "success"]
    assert not failed, f"{len(failed)} of 40 hit tests failed: {failed[:3]}"
    queries = httpx.get(f"{url}/datasets/{dataset}/queries", headers=console_headers, timeout=30).json()
    assert queries["code"] == "success" and queries["data"]

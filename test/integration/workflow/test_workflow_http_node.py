"""The HTTP request node through the platform's SSRF guard, answered by a local server that the
guard's seams route a public-looking host to (test/support/ssrf_fakes.py): params, headers and a
JSON body arrive as the editor configured them, the answer becomes `status_code`/`text`, an
error status is an output (not a node error), a redirect to a metadata address is refused
without connecting (the trap server stays untouched), and a silent server or an oversized answer
fails the node within its limits (course defect #3: no timeout, unbounded body)."""
from __future__ import annotations

import json
import threading
import time

import pytest

from app.http.app import create_app
from pkg.ssrf import SsrfGuard
from test.conftest import ConsoleClient, make_account
from test.support.local_http import LocalHTTPServer, Request
from test.support.ssrf_fakes import PUBLIC_IP, FakeResolver, GuardSeams, RoutingConnector, TrapServer
from test.unit.workflow.builders import G, lit, ref, start_input, var

from .helpers import create_workflow, read_frames


def echo(req: Request):
    return 200, {"content-type": "application/json"}, json.dumps(
        {"method": req.method, "path": req.path, "query": req.query, "token": req.headers.get("authorization"),
         "body": json.loads(req.body) if req.body else None})


HELD = threading.Event()  # set at teardown: the silent route's handler thread then ends


def silent(req: Request):
    HELD.wait(30)  # a server that accepts the request and never answers in time
    return 200, {"content-type": "text/plain"}, "too late"


ROUTES = {"* /echo": echo, "GET /silent": silent, "GET /big": lambda r: (200, {"content-type": "text/plain"}, "x" * 50_000), "GET /missing": lambda r: (404, {"content-type": "text/plain"}, "no such thing"),
          "GET /hop": lambda r: (302, {"location": "http://meta.test/latest/meta-data/"}, b"")}


@pytest.fixture(scope="module")
def http_console(pg_config, pg_app):
    trap = TrapServer()
    with LocalHTTPServer(dict(ROUTES)) as server:
        resolver = FakeResolver({"api.test": [PUBLIC_IP], "meta.test": ["169.254.169.254"]})
        connector = RoutingConnector({(PUBLIC_IP, 80): ("127.0.0.1", server.port)}, trap)
        flask_app = create_app(pg_config, modules=[GuardSeams(SsrfGuard([], resolver=resolver, connector=connector))])
        yield flask_app, server, trap
        HELD.set()
    trap.close()


def run(console, url: str, method: str = "post", **fields) -> list[dict]:
    g = G().start(start_input("q"))
    g.add("http", "http_request", title="HTTP", url=url, method=method, **fields, inputs=[
        var("Authorization", "string", lit("Bearer t-123"), meta={"type": "headers"}),
        var("q", "string", ref("start", "q"), meta={"type": "params"}),
        var("limit", "int", lit(3), meta={"type": "body"})], outputs=[var("status_code", "int"), var("text")])
    g.end(var("status", "int", ref("http", "status_code")), var("body", "string", ref("http", "text")))
    wf_id = create_workflow(console)
    assert console.post(f"/workflows/{wf_id}/draft-graph", json=g.chain("start", "http", "end").dump())["code"] == "success"
    response = console.http.post(f"/workflows/{wf_id}/debug", json={"q": "找"}, headers=console.account.headers)
    return [d for _, d in read_frames(response)]


def test_the_http_node_sends_what_the_editor_configured(app, http_console):
    flask_app, server, trap = http_console
    console = ConsoleClient(flask_app, make_account(flask_app))
    frames = run(console, "http://api.test/echo")
    assert frames[-1]["status"] == "succeeded", [(f.get("code"), f["error"], f.get("errors")) for f in frames]
    out = frames[-1]["outputs"]
    assert out["status"] == 200
    assert json.loads(out["body"]) == {"method": "POST", "path": "/echo", "query": {"q": ["找"]}, "token": "Bearer t-123",
                                       "body": {"limit": 3}}
    missing = run(console, "http://api.test/missing", "get")
    assert missing[-1]["outputs"] == {"status": 404, "body": "no such thing"}  # an error status is an output
    hop = run(console, "http://api.test/hop", "get")
    failed = next(f for f in hop if f["node_data"]["node_type"] == "http_request")
    assert failed["status"] == "failed" and failed["error"], hop
    assert trap.hits == 0  # the redirect to the metadata address was never connected


def test_a_silent_server_times_out_and_a_large_answer_is_refused(app, http_console):
    """Course defect #3: the course's node had no timeout and read any body whole."""
    flask_app, _, _ = http_console
    console = ConsoleClient(flask_app, make_account(flask_app))
    started = time.monotonic()
    frames = run(console, "http://api.test/silent", "get", timeout_s=1)
    failed = next(f for f in frames if f["node_data"]["node_type"] == "http_request")
    assert failed["status"] == "failed" and "1 s" in failed["error"], failed  # the engine's node deadline or the HTTP client's, whichever fires first
    assert time.monotonic() - started < 10  # the node's timeout, not the server's 30 s
    big = run(console, "http://api.test/big", "get", max_response_bytes=10_000)
    refused = next(f for f in big if f["node_data"]["node_type"] == "http_request")
    assert refused["status"] == "failed" and "larger than 10000 bytes" in refused["error"], refused

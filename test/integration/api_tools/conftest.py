"""The app wired for API tool calls: the APIs the fixture documents describe are served by one
local recording server; the SSRF guard's resolver seam makes their host names resolve to a public
address and the connector seam routes that address to the local server. Any other connection
that gets past the guard lands on a trap server, which must stay untouched."""
from __future__ import annotations

import json
import socket
import threading
from pathlib import Path

import pytest

from app.http.app import create_app
from pkg.ssrf import SsrfGuard
from test.conftest import ConsoleClient, make_account
from test.support.local_http import LocalHTTPServer, Request
from test.support.ssrf_fakes import PUBLIC_IP, FakeResolver, GuardSeams, RoutingConnector, TrapServer

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "openapi"
API_HOSTS = ("petstore.test", "todo.test", "library.test", "dict.test", "slow.test")
SLOW_IP = "93.184.216.99"  # "public", routed to a listener that never answers


def fixture_text(name: str) -> str:
    return (FIXTURES / name).read_text()


def echo(req: Request, status: int = 200):
    body = req.body.decode() if req.body else None
    return status, {"content-type": "application/json"}, json.dumps(
        {"method": req.method, "path": req.path, "query": req.query, "headers": req.headers, "body": body})


ROUTES = {
    # petstore-3.0.yaml
    "* /v1/pets": echo,
    "* /v1/pets/7": echo,
    "GET /v1/pets/404": lambda r: (404, {"content-type": "application/json"}, '{"code": 404, "message": "no such pet"}'),
    "GET /v1/pets/500": lambda r: (500, {"content-type": "text/plain"}, "database on fire"),
    "GET /v1/pets/302": lambda r: (302, {"location": "http://other.test/steal"}, b""),
    "GET /v1/pets/9": lambda r: (200, {"content-type": "text/plain"}, "z" * 300_000),
    # todo-swagger-2.0.json
    "* /api/todos": echo,
    "* /api/todos/t-1": echo,
    "* /api/todos/t-1/notes": echo,
    # library-3.1.yaml
    "* /catalog/books/search": echo,
    "* /catalog/books": echo,
    "* /catalog/books/978-3-16-148410-0": echo,
    # course-dialect.json
    "* /dict": echo,
    "* /words/hello": echo,
}


@pytest.fixture(scope="session")
def api_server():
    with LocalHTTPServer(dict(ROUTES)) as server:
        yield server


class SilentListener:
    """Accepts connections and never answers (read timeouts without sleeping in the test)."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.conns: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.conns.append(conn)

    def close(self) -> None:
        for c in self.conns:
            c.close()
        self.sock.close()


@pytest.fixture(scope="session")
def api_trap():
    trap = TrapServer()
    yield trap
    trap.close()


@pytest.fixture(scope="session")
def api_seams(api_server, api_trap):
    silent = SilentListener()
    resolver = FakeResolver({**{h: [PUBLIC_IP] for h in API_HOSTS if h != "slow.test"}, "slow.test": [SLOW_IP],
                             "internal.test": ["10.1.2.3"], "meta.test": ["169.254.169.254"],
                             "mixed.test": [PUBLIC_IP, "192.168.7.7"], "localhost": ["127.0.0.1"]})
    connector = RoutingConnector({(PUBLIC_IP, 80): ("127.0.0.1", api_server.port),
                                  (SLOW_IP, 80): ("127.0.0.1", silent.port)}, api_trap)
    yield resolver, connector
    silent.close()


def build_api_app(pg_config, api_seams=None, **settings):
    conf = pg_config.model_copy(update={"API_TOOL_READ_TIMEOUT_SECONDS": 1.0, "API_TOOL_MAX_RESPONSE_BYTES": 100_000,
                                        **settings})
    if api_seams is None:  # the real guard, from the configured allow-list
        return create_app(conf)
    resolver, connector = api_seams
    return create_app(conf, modules=[GuardSeams(SsrfGuard(conf.SSRF_ALLOWED_HOSTS, resolver=resolver,
                                                          connector=connector))])


@pytest.fixture(scope="session")
def api_app(pg_app, pg_config, api_seams):
    """Same database as `app` (which wipes it after each test)."""
    return build_api_app(pg_config, api_seams)


@pytest.fixture
def aconsole(app, api_app) -> ConsoleClient:
    return ConsoleClient(api_app, make_account(api_app))


@pytest.fixture
def other_aconsole(app, api_app) -> ConsoleClient:
    return ConsoleClient(api_app, make_account(api_app))


@pytest.fixture(autouse=True)
def _trap_stays_untouched(api_trap):
    before = api_trap.hits
    yield
    assert api_trap.hits == before, "a connection got past the SSRF guard to a blocked address"


@pytest.fixture(autouse=True)
def _fresh_recordings(api_server):
    api_server.requests.clear()
    yield

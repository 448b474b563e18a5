"""MCP servers for the MCP client tests: real servers built with the `mcp` SDK (streamable HTTP,
and an SSE-only one), reached under public-looking names through the SSRF guard's seams: the
resolver makes `mcp.example` / `legacy.example` resolve to public addresses and the connector
routes those to the local servers. Anything else that got past the guard lands on the trap."""
from __future__ import annotations

import pytest

from app.http.app import create_app
from pkg.ssrf import SsrfGuard
from test.conftest import ConsoleClient, make_account
from test.support.local_http import LocalHTTPServer
from test.support.mcp_servers import McpTestServer
from test.support.ssrf_fakes import PUBLIC_IP, PUBLIC_IP_2, FakeResolver, GuardSeams, RoutingConnector, TrapServer

REDIRECT_IP = "93.184.216.77"  # "public", routed to a server that redirects to a blocked address
NAMES = {"mcp.example": [PUBLIC_IP], "legacy.example": [PUBLIC_IP_2], "redirect.example": [REDIRECT_IP],
         "internal.example": ["10.1.2.3"], "meta.example": ["169.254.169.254"], "localhost": ["127.0.0.1"],
         "mixed.example": [PUBLIC_IP, "192.168.7.7"]}


@pytest.fixture(scope="session")
def mcp_servers(tmp_path_factory):
    log_dir = tmp_path_factory.mktemp("mcp-servers")
    with McpTestServer(log_dir) as modern, McpTestServer(log_dir, sse=True) as legacy:
        yield modern, legacy


@pytest.fixture(scope="session")
def redirector():
    # POST /mcp answers 307 to the metadata address: the guard must refuse the hop
    routes = {"* /mcp": lambda r: (307, {"location": "http://169.254.169.254/mcp"}, b"")}
    with LocalHTTPServer(routes) as server:
        yield server


@pytest.fixture(scope="session")
def mcp_trap():
    trap = TrapServer()
    yield trap
    trap.close()


@pytest.fixture(scope="session")
def mcp_seams(mcp_servers, redirector, mcp_trap):
    modern, legacy = mcp_servers
    connector = RoutingConnector({(PUBLIC_IP, 80): ("127.0.0.1", modern.port),
                                  (PUBLIC_IP_2, 80): ("127.0.0.1", legacy.port),
                                  (REDIRECT_IP, 80): ("127.0.0.1", redirector.port)}, mcp_trap)
    return FakeResolver(NAMES), connector


def build_mcp_app(pg_config, seams=None, **settings):
    conf = pg_config.model_copy(update={"MCP_CONNECT_TIMEOUT_SECONDS": 10.0, "MCP_CALL_TIMEOUT_SECONDS": 5.0,
                                        **settings})
    if seams is None:  # the real guard, from the configured allow-list
        return create_app(conf)
    resolver, connector = seams
    return create_app(conf, modules=[GuardSeams(SsrfGuard(conf.SSRF_ALLOWED_HOSTS, resolver=resolver,
                                                          connector=connector))])


@pytest.fixture(scope="session")
def mcp_app(pg_app, pg_config, mcp_seams):
    """Same database as `app` (which wipes it after each test)."""
    return build_mcp_app(pg_config, mcp_seams)


@pytest.fixture
def mconsole(app, mcp_app) -> ConsoleClient:
    return ConsoleClient(mcp_app, make_account(mcp_app))


@pytest.fixture
def other_mconsole(app, mcp_app) -> ConsoleClient:
    return ConsoleClient(mcp_app, make_account(mcp_app))


@pytest.fixture(autouse=True)
def trap_untouched(mcp_trap):
    before = mcp_trap.hits
    yield
    assert mcp_trap.hits == before, "a connection got past the SSRF guard to an address it should have refused"

"""GuardedHttpClient and the httpx transports against loopback servers behind the seams: the
resolver says which names are public, the connector sends vetted public addresses to a local
server and everything else to a trap that must stay untouched."""
import asyncio
import socket

import httpx
import pytest

from pkg.ssrf import (
    BlockedAddressError,
    GuardedHttpClient,
    OutboundError,
    OutboundHttpClient,
    OutboundTimeout,
    SsrfGuard,
    guarded_async_httpx_client,
    guarded_httpx_client,
)
from test.support.local_http import LocalHTTPServer, json_response
from test.support.ssrf_fakes import PUBLIC_IP, PUBLIC_IP_2, FakeResolver, RoutingConnector, TrapServer


@pytest.fixture
def trap():
    t = TrapServer()
    yield t
    t.close()


@pytest.fixture
def upstream():
    routes = {
        "GET /ok": lambda r: json_response({"path": r.path, "q": r.query, "cookie": r.headers.get("cookie")}),
        "POST /echo": lambda r: (200, {"content-type": "application/octet-stream"}, r.body),
        "GET /big": lambda r: (200, {"content-type": "text/plain"}, b"x" * 100_000),
        "GET /to-blocked": lambda r: (302, {"location": "http://127.0.0.1/admin"}, b""),
        "GET /to-internal-name": lambda r: (302, {"location": "http://internal.example/"}, b""),
        "GET /to-public": lambda r: (301, {"location": "http://other.example/ok?x=1"}, b""),
        "GET /loop": lambda r: (302, {"location": "/loop"}, b""),
        "GET /latin": lambda r: (200, {"content-type": "text/plain; charset=latin-1"}, "café".encode("latin-1")),
    }
    with LocalHTTPServer(routes) as s:
        yield s


def make_guard(upstream, trap, allowed=()):
    resolver = FakeResolver({"api.example": [PUBLIC_IP], "other.example": [PUBLIC_IP_2],
                             "internal.example": ["10.0.0.5"], "localhost": ["127.0.0.1"]})
    connector = RoutingConnector({(PUBLIC_IP, 80): ("127.0.0.1", upstream.port),
                                  (PUBLIC_IP_2, 80): ("127.0.0.1", upstream.port)}, trap)
    return SsrfGuard(allowed, resolver=resolver, connector=connector), connector


def test_request_reaches_a_public_host_through_the_vetted_address(upstream, trap):
    guard, connector = make_guard(upstream, trap)
    client = GuardedHttpClient(guard)
    r = client.request("GET", "http://api.example/ok", params={"a": "1"}, cookies={"sid": "s1"})
    assert r.status_code == 200 and r.ok and not r.truncated
    assert r.json() == {"path": "/ok", "q": {"a": ["1"]}, "cookie": "sid=s1"}
    assert upstream.requests[-1].headers["host"] == "api.example"
    assert connector.calls == [(PUBLIC_IP, 80)] and trap.hits == 0
    r = client.request("POST", "http://api.example/echo", content=b"payload")
    assert r.content == b"payload"


@pytest.mark.parametrize("url", ["http://127.0.0.1/", "http://localhost/", "http://[::1]/", "http://0.0.0.0/",
                                 "http://169.254.169.254/", "http://10.1.2.3/", "http://172.16.0.1/",
                                 "http://192.168.0.1/", "http://2130706433/", "http://0x7f.1/",
                                 "http://[::ffff:127.0.0.1]/", "http://internal.example/"])
def test_blocked_destinations_never_connect(upstream, trap, url):
    guard, connector = make_guard(upstream, trap)
    with pytest.raises(BlockedAddressError):
        GuardedHttpClient(guard).request("GET", url)
    assert connector.calls == [] and trap.hits == 0


def test_redirects_are_vetted_hop_by_hop(upstream, trap):
    guard, connector = make_guard(upstream, trap)
    client = GuardedHttpClient(guard)
    for path in ("/to-blocked", "/to-internal-name"):
        with pytest.raises(BlockedAddressError):
            client.request("GET", f"http://api.example{path}")
    r = client.request("GET", "http://api.example/to-public")
    assert r.status_code == 200 and r.url == "http://other.example/ok?x=1"
    with pytest.raises(OutboundError, match="too many redirects"):
        client.request("GET", "http://api.example/loop", max_redirects=3)
    r = client.request("GET", "http://api.example/to-blocked", max_redirects=0)
    assert r.status_code == 302  # not followed at all
    assert trap.hits == 0 and all(call[0] in (PUBLIC_IP, PUBLIC_IP_2) for call in connector.calls)


def test_allow_list_lets_a_configured_host_through(upstream, trap):
    client = GuardedHttpClient(SsrfGuard([f"127.0.0.1:{upstream.port}"]))
    assert client.request("GET", f"{upstream.url}/ok").status_code == 200
    with pytest.raises(BlockedAddressError):
        client.request("GET", f"http://127.0.0.1:{trap.port}/")
    assert trap.hits == 0


def test_size_cap_truncates_and_charset_is_honoured(upstream, trap):
    guard, _ = make_guard(upstream, trap)
    client = GuardedHttpClient(guard, max_bytes=1000)
    r = client.request("GET", "http://api.example/big")
    assert r.truncated and len(r.content) == 1000
    assert client.request("GET", "http://api.example/latin").text == "café"


def test_no_cookie_is_kept_between_calls(upstream, trap):
    guard, _ = make_guard(upstream, trap)
    upstream.routes["GET /set"] = lambda r: (200, {"set-cookie": "sid=leak; Path=/"}, b"ok")
    client = GuardedHttpClient(guard)
    client.request("GET", "http://api.example/set")
    assert client.request("GET", "http://api.example/ok").json()["cookie"] is None


def test_timeouts_are_clear_errors(trap):
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(4)  # accepts (kernel backlog) but never answers
    try:
        client = OutboundHttpClient(None)
        with pytest.raises(OutboundTimeout, match="did not answer in time"):
            client.request("GET", f"http://127.0.0.1:{silent.getsockname()[1]}/", timeout=0.3)
    finally:
        silent.close()


def test_unreachable_host_is_a_clear_error(upstream, trap):
    def refusing(ip, port, timeout):
        raise ConnectionRefusedError

    guard = SsrfGuard(resolver=FakeResolver({"api.example": [PUBLIC_IP]}), connector=refusing)
    with pytest.raises(OutboundError, match="could not reach api.example"):
        GuardedHttpClient(guard).request("GET", "http://api.example/ok")


def test_httpx_client_factory_for_sdks(upstream, trap):
    guard, connector = make_guard(upstream, trap)
    with guarded_httpx_client(guard) as client:
        assert client.get("http://api.example/ok").status_code == 200
        with pytest.raises(BlockedAddressError):
            client.get("http://169.254.169.254/latest/meta-data/")
    with guarded_httpx_client(guard, follow_redirects=True) as client:
        with pytest.raises(BlockedAddressError):  # a followed redirect still connects through the guard
            client.get("http://api.example/to-internal-name")
    assert trap.hits == 0


def test_async_transport(upstream, trap):
    guard, connector = make_guard(upstream, trap)

    async def main():
        async with guarded_async_httpx_client(guard) as client:
            ok = await client.get("http://api.example/ok", params={"b": "2"})
            with pytest.raises(BlockedAddressError):
                await client.get("http://[::ffff:127.0.0.1]/")
            return ok

    r = asyncio.run(main())
    assert r.status_code == 200 and r.json()["q"] == {"b": ["2"]}
    assert trap.hits == 0 and connector.calls == [(PUBLIC_IP, 80)]


def test_the_guarded_client_requires_a_guard():
    with pytest.raises(TypeError):
        GuardedHttpClient(None)
    assert isinstance(OutboundHttpClient(None)._client, httpx.Client)

import socket

import pytest

from pkg.ssrf import BlockedAddressError, SsrfGuard, is_noncanonical_numeric_host, literal_host_blocked
from test.support.ssrf_fakes import PUBLIC_IP, FakeResolver, RoutingConnector, TrapServer

BLOCKED_URLS = [
    "http://127.0.0.1/v1", "http://localhost:8000", "http://169.254.169.254/latest/meta-data/",
    "http://10.0.0.1", "http://10.255.1.2/", "http://172.16.0.1/", "http://172.31.255.254/",
    "http://192.168.1.2", "http://[::1]/", "http://0.0.0.0/", "http://[::ffff:127.0.0.1]/",
    "http://[::ffff:169.254.169.254]/", "http://[fe80::1]/", "http://[fc00::1]/", "http://224.0.0.1/",
    "http://240.0.0.1/", "http://100.64.0.1/", "http://[::127.0.0.1]/", "http://[64:ff9b::a9fe:a9fe]/",
    "http://2130706433/", "http://0x7f.1/", "http://0x7f000001/", "http://0177.0.0.1/", "http://127.1/",
    "http://017700000001/", "http://3232235777/",
]


def guard(allowed=(), names=None):
    names = {"localhost": ["127.0.0.1", "::1"], **(names or {})}
    return SsrfGuard(allowed, resolver=FakeResolver(names))


@pytest.mark.parametrize("url", BLOCKED_URLS)
def test_non_public_destinations_are_refused(url):
    with pytest.raises(BlockedAddressError):
        guard().check_url(url)


def test_a_name_resolving_to_a_blocked_address_is_refused():
    g = guard(names={"rebind.example": [PUBLIC_IP, "10.0.0.7"], "meta.example": ["169.254.169.254"]})
    for host in ("rebind.example", "meta.example"):
        with pytest.raises(BlockedAddressError, match="non-public"):
            g.check_url(f"http://{host}/")


def test_public_names_and_literals_pass():
    g = guard(names={"api.example": [PUBLIC_IP]})
    assert g.resolve("api.example", 443) == [PUBLIC_IP]
    assert g.resolve("8.8.8.8", 443) == ["8.8.8.8"]
    assert g.check_url("https://api.example/x") == ("https", "api.example", 443)


def test_allow_list_by_host_host_port_or_network():
    guard(["127.0.0.1"]).check_url("http://127.0.0.1:9999/v1")
    guard(["localhost:11434"]).check_url("http://localhost:11434/v1")
    with pytest.raises(BlockedAddressError):
        guard(["localhost:11434"]).check_url("http://localhost:8000/v1")
    g = guard(["10.1.0.0/16"], names={"intranet.example": ["10.1.2.3"], "other.example": ["10.2.0.1"]})
    g.check_url("http://intranet.example/")
    with pytest.raises(BlockedAddressError):
        g.check_url("http://other.example/")


def test_numeric_spellings_are_recognised():
    for host in ("2130706433", "0x7f.1", "0177.0.0.1", "127.1", "1.2.3", "0x08.0x08.0x08.0x08"):
        assert is_noncanonical_numeric_host(host), host
    for host in ("127.0.0.1", "8.8.8.8", "example.com", "1e100.net", "0xdead.example"):
        assert not is_noncanonical_numeric_host(host), host


def test_bad_urls():
    for bad in ("ftp://8.8.8.8/", "http://user:pw@8.8.8.8/", "http:///nohost", "http://[::1/", "file:///etc/passwd",
                "http://8.8.8.8:99999/"):
        with pytest.raises(BlockedAddressError):
            guard().check_url(bad)


def test_literal_check_needs_no_dns():
    g = SsrfGuard()
    assert literal_host_blocked("http://127.0.0.1:1/v1", g) and literal_host_blocked("http://localhost/", g)
    assert literal_host_blocked("http://2130706433/", g) and literal_host_blocked("http://[::ffff:10.0.0.1]/", g)
    assert not literal_host_blocked("https://api.openai.com/v1", g)
    assert not literal_host_blocked("http://127.0.0.1:1/v1", SsrfGuard(["127.0.0.1"]))


def test_connect_goes_to_the_vetted_address_only():
    trap = TrapServer()
    try:
        resolver = FakeResolver({"api.example": [PUBLIC_IP], "evil.example": ["127.0.0.1"]})
        connector = RoutingConnector({}, trap)
        g = SsrfGuard(resolver=resolver, connector=connector)
        sock = g.connect("api.example", 80, 2)
        sock.close()
        assert connector.calls == [(PUBLIC_IP, 80)]
        with pytest.raises(BlockedAddressError):
            g.connect("evil.example", 80, 2)
        assert connector.calls == [(PUBLIC_IP, 80)]  # the refused name never reached the connector
    finally:
        trap.close()


def test_connect_tries_the_next_vetted_address():
    attempts = []

    def connector(ip, port, timeout):
        attempts.append(ip)
        if ip == PUBLIC_IP:
            raise ConnectionRefusedError
        return socket.socket()

    g = SsrfGuard(resolver=FakeResolver({"two.example": [PUBLIC_IP, "8.8.4.4"]}), connector=connector)
    g.connect("two.example", 80, 1).close()
    assert attempts == [PUBLIC_IP, "8.8.4.4"]

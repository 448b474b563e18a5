"""SSRF corpus through the web page reader and the HTTP request tool. The resolver seam decides
what names resolve to; every connection that got past the guard would land on the trap server,
which the autouse fixture checks stayed untouched."""
from __future__ import annotations

import pytest

from test.integration.tools.conftest import build_tools_app
from test.integration.tools.helpers import call_tool
from test.support.ssrf_fakes import PUBLIC_IP

CORPUS = [
    "http://127.0.0.1/", "http://127.0.0.1:6379/", "http://localhost/", "http://[::1]/", "http://0.0.0.0/",
    "http://169.254.169.254/latest/meta-data/", "http://10.0.0.1/", "http://10.200.3.4:8080/", "http://172.16.0.1/",
    "http://172.31.255.255/", "http://192.168.0.1/", "http://192.168.100.7/admin", "http://2130706433/",
    "http://0x7f.1/", "http://017700000001/", "http://[::ffff:127.0.0.1]/", "http://[::ffff:a9fe:a9fe]/",
    "http://evil.example/", "http://meta.example/", "http://news.example/to-blocked",
    "http://news.example/to-internal-name", "file:///etc/passwd", "gopher://news.example/", "http://u:p@news.example/",
]


@pytest.mark.parametrize("tool", ["read_web_page", "http_request"])
def test_blocked_destinations_are_refused(tools_app, tconsole, seams, tool):
    _, connector = seams
    before = len(connector.calls)
    let_through = {}
    for url in CORPUS:
        r = call_tool(tools_app, tconsole.account.account_id, "webpage", tool, {"url": url})
        if r.ok or "not allowed" not in r.text:
            let_through[url] = r.text
    assert let_through == {}
    # the only connections made were to vetted public addresses (the redirecting pages)
    assert {ip for ip, _ in connector.calls[before:]} <= {PUBLIC_IP}


def test_redirect_between_public_hosts_is_followed(tools_app, tconsole):
    r = call_tool(tools_app, tconsole.account.account_id, "webpage", "read_web_page",
                  {"url": "http://news.example/to-other"})
    assert r.ok and r.data["url"] == "http://other.example/article" and r.data["title"] == "Tea in Yunnan"


def test_allow_list_lets_a_configured_host_through(app, pg_config, tmp_path, thirdparty, seams, fake_upstream):
    from test.conftest import make_account

    allowed = build_tools_app(pg_config, tmp_path, thirdparty, seams, fake_upstream,
                              allowed=[f"127.0.0.1:{thirdparty.port}"])
    account = make_account(allowed)
    ok = call_tool(allowed, account.account_id, "webpage", "read_web_page", {"url": f"{thirdparty.url}/article"})
    assert ok.ok and ok.data["title"] == "Tea in Yunnan"
    still_blocked = call_tool(allowed, account.account_id, "webpage", "read_web_page", {"url": "http://127.0.0.1:1/"})
    assert not still_blocked.ok and "not allowed" in still_blocked.text

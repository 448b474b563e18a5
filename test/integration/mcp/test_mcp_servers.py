"""MCP servers as tools (issue 10 §4), over the console routes and through the tool resolver, against
real servers built with the official `mcp` SDK: streamable HTTP, the SSE fallback, headers that
arrive, tool errors, timeouts, size caps, a server that goes away, tenants, and the SSRF corpus."""
from __future__ import annotations

from internal.core.tools.base import ToolCallContext, ToolLimits, ToolRef, ToolType
from internal.service.tool.tool_resolver_service import ToolResolverService
from test.integration.mcp.conftest import build_mcp_app
from test.support.mcp_servers import McpTestServer

MODERN = "http://mcp.example/mcp"
LEGACY = "http://legacy.example/sse"


def add(console, url=MODERN, name="tools", headers=None):
    return console.post("/mcp-servers", json={"name": name, "url": url,
                                              "headers": headers or [{"key": "X-Test", "value": "secret-header-value-42"}]})


def resolve_and_invoke(app, account_id, server_id, tool, args, limits=None):
    with app.app_context():
        resolver = app.extensions["injector"].get(ToolResolverService)
        t = resolver.resolve(ToolRef(type=ToolType.MCP, provider_id=str(server_id), tool_id=tool),
                             ToolCallContext(account_id=account_id))
        return t, t.invoke(args, limits)



def test_add_list_and_call_over_streamable_http(mcp_app, mconsole):
    created = add(mconsole)
    assert created["code"] == "success", created
    server = created["data"]
    assert server["transport"] == "streamable_http" and server["server_name"] == "llmops-test-mcp"
    assert [t["name"] for t in server["tools"]] == ["echo", "add", "fail", "slow", "big"]
    add_tool = next(t for t in server["tools"] if t["name"] == "add")
    assert add_tool["input_schema"]["properties"].keys() == {"a", "b"}
    assert {i["name"]: (i["type"], i["required"]) for i in add_tool["inputs"]} == {"a": ("int", True), "b": ("int", True)}
    # the header value is stored encrypted and only ever shown masked
    assert server["headers"] == [{"key": "X-Test", "value": "se********42"}]
    listed = mconsole.get("/mcp-servers", query_string={"search_word": "too"})["data"]
    assert [s["id"] for s in listed["list"]] == [server["id"]] and listed["paginator"]["total_record"] == 1
    assert mconsole.get(f"/mcp-servers/{server['id']}/tools/echo")["data"]["name"] == "echo"
    assert mconsole.get(f"/mcp-servers/{server['id']}/tools/nope")["code"] == "not_found"

    tool, result = resolve_and_invoke(mcp_app, mconsole.account.account_id, server["id"], "echo", {"text": "hi"})
    assert tool.input_schema["required"] == ["text"]
    # the server saw the argument and the stored (unmasked) header
    assert result.ok and result.text == "echo: hi | x-test=secret-header-value-42", result
    _, summed = resolve_and_invoke(mcp_app, mconsole.account.account_id, server["id"], "add", {"a": 2, "b": 40})
    assert summed.ok and summed.text == "42"
    # inputs are checked against the server's JSON Schema before any call
    _, bad = resolve_and_invoke(mcp_app, mconsole.account.account_id, server["id"], "add", {"a": "two"})
    assert not bad.ok and "a" in bad.text


def test_a_legacy_sse_server_is_reached_by_the_fallback(mcp_app, mconsole):
    server = add(mconsole, url=LEGACY, name="legacy")["data"]
    assert server["transport"] == "sse" and len(server["tools"]) == 5
    _, result = resolve_and_invoke(mcp_app, mconsole.account.account_id, server["id"], "echo", {"text": "old"})
    assert result.ok and result.text.startswith("echo: old"), result


def test_tool_errors_timeouts_and_caps_are_observations(mcp_app, mconsole):
    server = add(mconsole)["data"]
    acc = mconsole.account.account_id
    _, failed = resolve_and_invoke(mcp_app, acc, server["id"], "fail", {})
    assert not failed.ok and failed.text.startswith("error: the MCP tool reported an error")
    _, slow = resolve_and_invoke(mcp_app, acc, server["id"], "slow", {"seconds": 10},
                                 ToolLimits(timeout_s=1.0, max_result_chars=16_000))
    assert not slow.ok and "did not answer in time" in slow.text and slow.latency_s < 5, slow
    _, big = resolve_and_invoke(mcp_app, acc, server["id"], "big", {"size": 50_000},
                                ToolLimits(timeout_s=10, max_result_chars=1_000))
    assert big.ok and big.truncated and len(big.text) == 1_000


def test_a_server_that_goes_away_gives_a_clear_error(pg_config, app, mcp_app, tmp_path):
    from test.conftest import ConsoleClient, make_account

    with McpTestServer(tmp_path) as srv:
        local = build_mcp_app(pg_config, SSRF_ALLOWED_HOSTS=[f"127.0.0.1:{srv.port}"])  # the real guard
        console = ConsoleClient(local, make_account(local))
        server = add(console, url=srv.url, name="ephemeral")["data"]
        _, before = resolve_and_invoke(local, console.account.account_id, server["id"], "add", {"a": 1, "b": 1})
        assert before.ok and before.text == "2"
        srv.stop()
        _, after = resolve_and_invoke(local, console.account.account_id, server["id"], "add", {"a": 1, "b": 1})
        assert not after.ok and after.text == "error: could not connect to the MCP server", after
        refreshed = console.post(f"/mcp-servers/{server['id']}/refresh")
        assert refreshed["code"] == "validate_error" and "could not connect" in refreshed["message"]
        # the stored tool list is kept for when the server comes back
        assert len(console.get(f"/mcp-servers/{server['id']}")["data"]["tools"]) == 5


def test_update_keeps_masked_headers_and_refresh_relists(mcp_app, mconsole):
    server = add(mconsole)["data"]
    updated = mconsole.post(f"/mcp-servers/{server['id']}", json={
        "name": "renamed", "url": MODERN, "headers": server["headers"] + [{"key": "X-Other", "value": "2"}]})
    assert updated["code"] == "success" and updated["data"]["name"] == "renamed"
    _, result = resolve_and_invoke(mcp_app, mconsole.account.account_id, server["id"], "echo", {"text": "x"})
    assert result.text.endswith("x-test=secret-header-value-42")  # the masked value meant "unchanged"
    refreshed = mconsole.post(f"/mcp-servers/{server['id']}/refresh")
    assert refreshed["code"] == "success" and refreshed["data"]["refreshed_at"] >= server["refreshed_at"]
    assert mconsole.post(f"/mcp-servers/{server['id']}/delete")["code"] == "success"
    assert mconsole.get(f"/mcp-servers/{server['id']}")["code"] == "not_found"


def test_bad_input_is_a_validate_error_and_stores_nothing(mcp_app, mconsole):
    for body in ({"name": "x", "url": "ftp://mcp.example/"}, {"name": "", "url": MODERN},
                 {"name": "x", "url": "stdio:python -m evil"}, {"name": "x"},
                 {"name": "x", "url": MODERN, "headers": [{"key": "Bad Header", "value": "1"}]},
                 {"name": "x", "url": "http://unknown-name.example/mcp"}):
        answer = mconsole.post("/mcp-servers", json=body)
        assert answer["code"] == "validate_error", (body, answer)
    assert add(mconsole)["code"] == "success"
    assert add(mconsole)["code"] != "success"  # the name is taken
    assert mconsole.get("/mcp-servers")["data"]["paginator"]["total_record"] == 1


def test_another_tenant_sees_nothing(mcp_app, mconsole, other_mconsole):
    server = add(mconsole)["data"]
    sid = server["id"]
    for path in (f"/mcp-servers/{sid}", f"/mcp-servers/{sid}/tools/echo"):
        assert other_mconsole.get(path)["code"] == "not_found"
    for path, body in ((f"/mcp-servers/{sid}", {"name": "mine", "url": MODERN}),
                       (f"/mcp-servers/{sid}/refresh", None), (f"/mcp-servers/{sid}/delete", None)):
        assert other_mconsole.post(path, json=body)["code"] == "not_found"
    assert other_mconsole.get("/mcp-servers")["data"]["list"] == []
    import pytest

    from internal.core.tools.base import ToolNotFoundError

    with pytest.raises(ToolNotFoundError):
        resolve_and_invoke(mcp_app, other_mconsole.account.account_id, sid, "echo", {"text": "x"})
    assert mconsole.get(f"/mcp-servers/{sid}")["data"]["name"] == "tools"  # untouched


SSRF_CORPUS = [
    "http://127.0.0.1/mcp", "http://localhost/mcp", "http://[::1]/mcp", "http://0.0.0.0/mcp",
    "http://169.254.169.254/mcp", "http://10.0.0.1/mcp", "http://172.16.0.1/mcp", "http://192.168.1.1/mcp",
    "http://2130706433/mcp", "http://0x7f.1/mcp", "http://[::ffff:127.0.0.1]/mcp",
    "http://internal.example/mcp", "http://meta.example/mcp", "http://mixed.example/mcp",
    "http://redirect.example/mcp",  # a public host that redirects to the metadata address
]


def test_ssrf_corpus_is_refused_when_adding_a_server(mcp_app, mconsole, mcp_seams):
    _, connector = mcp_seams
    before = len(connector.calls)
    let_through = {}
    for url in SSRF_CORPUS:
        answer = mconsole.post("/mcp-servers", json={"name": "probe", "url": url})
        if answer["code"] != "validate_error" or ("not allowed" not in answer["message"]
                                                  and "redirected to another origin" not in answer["message"]):
            let_through[url] = answer
    assert let_through == {}
    assert mconsole.get("/mcp-servers")["data"]["paginator"]["total_record"] == 0
    # the only connection made was the redirecting public host's (its 307 hop was not followed)
    assert {ip for ip, _ in connector.calls[before:]} <= {"93.184.216.77"}


def test_the_allow_list_lets_a_configured_loopback_server_through(pg_config, app, mcp_servers):
    from test.conftest import ConsoleClient, make_account

    modern, _ = mcp_servers
    denied = build_mcp_app(pg_config)
    console = ConsoleClient(denied, make_account(denied))
    refused = console.post("/mcp-servers", json={"name": "local", "url": modern.url})
    assert refused["code"] == "validate_error" and "not allowed" in refused["message"]
    allowed = build_mcp_app(pg_config, SSRF_ALLOWED_HOSTS=[f"127.0.0.1:{modern.port}"])
    console = ConsoleClient(allowed, make_account(allowed))
    assert console.post("/mcp-servers", json={"name": "local", "url": modern.url})["code"] == "success"


def test_mcp_messages_are_translated(mcp_app, mconsole):
    refused = mconsole.post("/mcp-servers", json={"name": "probe", "url": "http://10.0.0.1/mcp"},
                            headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    assert refused["code"] == "validate_error" and "MCP 服务的地址不被允许" in refused["message"], refused
    server = add(mconsole)["data"]
    deleted = mconsole.post(f"/mcp-servers/{server['id']}/delete", headers={"Accept-Language": "zh-CN"})
    assert deleted["message"] == "MCP 服务已删除"

"""Our MCP server (`python -m app.mcp`, its own process beside gunicorn) driven by the official
`mcp` SDK client over streamable HTTP and over the legacy HTTP+SSE transport: each published app
of the API key's account is a tool; calling it runs the app (fake upstream as the model). No key
is a 401; another account's key sees none of these tools and cannot call them."""
from __future__ import annotations

import asyncio

import httpx
import httpx2
import pytest
from mcp import Client
from mcp.client.sse import sse_client
from mcp.client.streamable_http import streamable_http_client

from app.mcp.server import tool_name
from internal.service.api_key_service import ApiKeyService
from test.conftest import make_account
from test.support.environment import free_port
from test.support.fake_openai.process import start_fake_upstream
from test.support.live_stack import live_stack
from test.support.processes import ManagedProcess, http_ready, wait_until

TOOL = {"type": "builtin_tool", "provider_id": "time", "tool_id": "current_time", "params": {}}


@pytest.fixture(scope="module")
def mcp_stack(tmp_path_factory):
    import sys

    tmp = tmp_path_factory.mktemp("mcp-server-e2e")
    upstream, upstream_url = start_fake_upstream(tmp / "upstream.log")
    try:
        with live_stack(tmp, "mcp_server_e2e", 6, {"GUNICORN_WORKER_CLASS": None}, workers=1,
                        SSRF_ALLOWED_HOSTS=["127.0.0.1"]) as s:
            port = free_port()
            proc = ManagedProcess([sys.executable, "-m", "app.mcp"], {**s.env, "MCP_SERVER_PORT": str(port)},
                                  tmp / "mcp.log")
            try:
                wait_until(lambda: http_ready(f"http://127.0.0.1:{port}/mcp/none") or _answers(port), timeout=60,
                           what="the MCP server", process=proc)
                yield s, upstream_url, f"http://127.0.0.1:{port}"
            finally:
                proc.stop()
    finally:
        upstream.stop()


def _answers(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/mcp", timeout=1).status_code == 401
    except httpx.HTTPError:
        return False


def _published_app(s, upstream_url: str) -> tuple[str, str, str]:
    """(app id, its owner's API key, a stranger's API key)."""
    owner = make_account(s.app)
    h = owner.headers
    assert httpx.post(s.url + "/language-model-credentials/openai", headers=h, timeout=10, json={"config": {
        "api_key": "sk-fake-1234567890", "base_url": upstream_url + "/v1"}}).json()["code"] == "success"
    app_id = httpx.post(s.url + "/apps", headers=h, timeout=10, json={
        "name": "报时助手", "icon": "https://cdn.example.com/i.png", "description": ""}).json()["data"]["id"]
    httpx.post(f"{s.url}/apps/{app_id}/draft-app-config", headers=h, timeout=10, json={
        "model_config": {"provider": "openai", "model": "gpt-4o-mini", "parameters": {}}, "tools": [TOOL]})
    assert httpx.post(f"{s.url}/apps/{app_id}/publish", headers=h, timeout=10).json()["code"] == "success"
    with s.app.app_context():
        keys = s.app.extensions["injector"].get(ApiKeyService)
        _, key = keys.create_api_key(owner.account_id, True, "mcp")
        _, stranger = keys.create_api_key(make_account(s.app).account_id, True, "mcp")
    return app_id, key, stranger


async def _use(source, name: str | None, message: str = "what time is it?"):
    async with Client(source, read_timeout_seconds=60) as client:
        listed = await client.list_tools()
        result = await client.call_tool(name, {"message": message}) if name else None
        return listed.tools, result


def _streamable(url: str, key: str):
    return streamable_http_client(url + "/mcp", http_client=httpx2.AsyncClient(
        headers={"Authorization": f"Bearer {key}"}, timeout=60))


def test_published_apps_are_tools_over_both_transports(mcp_stack):
    s, upstream_url, url = mcp_stack
    app_id, key, stranger = _published_app(s, upstream_url)
    name = tool_name(app_id)

    tools, result = asyncio.run(_use(_streamable(url, key), name))
    mine = [t for t in tools if t.name == name]
    assert mine and mine[0].title == "报时助手" and mine[0].input_schema["required"] == ["message"]
    assert not result.is_error and result.content[0].text.startswith("The tool returned:")

    legacy = sse_client(url + "/mcp/sse", headers={"Authorization": f"Bearer {key}"}, timeout=30)
    tools, result = asyncio.run(_use(legacy, name))
    assert name in [t.name for t in tools]
    assert not result.is_error and result.content[0].text.startswith("The tool returned:")

    tools, result = asyncio.run(_use(_streamable(url, stranger), name))
    assert name not in [t.name for t in tools]
    assert result.is_error and result.content[0].text == "unknown tool or missing message"


def test_no_key_is_refused(mcp_stack):
    _, _, url = mcp_stack
    for headers in ({}, {"Authorization": "Bearer sk-not-a-key"}, {"Authorization": "Basic abc"}):
        res = httpx.post(url + "/mcp", headers=headers, timeout=10, json={
            "jsonrpc": "2.0", "id": 1, "method": "tools/list"})
        assert res.status_code == 401 and "sk-not-a-key" not in res.text
    assert httpx.get(url + "/mcp/sse", timeout=10).status_code == 401

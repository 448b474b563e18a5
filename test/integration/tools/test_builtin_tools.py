"""Every builtin tool, resolved through the ToolResolver and invoked against its local fake."""
from __future__ import annotations

import json
import logging

import pytest
from sqlalchemy import select

from internal.core.tools.base import ToolError
from internal.model.language_model import ModelUsage
from internal.service.api_key_service import ApiKeyService
from pkg.sqlalchemy import SQLAlchemy
from test.integration.tools.conftest import WEATHER_KEY
from test.integration.tools.helpers import call_tool


def test_current_time_and_conversion(tools_app, tconsole):
    aid = tconsole.account.account_id
    r = call_tool(tools_app, aid, "time", "current_time", {"timezone": "Asia/Shanghai"})
    assert r.ok and r.data["timezone"] == "Asia/Shanghai" and r.data["utc_offset"] == "+0800"
    r = call_tool(tools_app, aid, "time", "convert_time",
                  {"time": "2024-05-01T09:30", "from_timezone": "Europe/Paris", "to_timezone": "America/New_York"})
    assert r.ok and r.data["to"]["iso"] == "2024-05-01T03:30:00-04:00"
    bad = call_tool(tools_app, aid, "time", "current_time", {"timezone": "Mars/Olympus"})
    assert not bad.ok and "unknown time zone" in bad.text


def test_calculator(tools_app, tconsole):
    aid = tconsole.account.account_id
    assert call_tool(tools_app, aid, "calculator", "calculate", {"expression": "(3 + 4) * 2 ^ 3"}).data["result"] == 56
    assert call_tool(tools_app, aid, "calculator", "calculate", {"expression": "sqrt(16) + pi"}).data["result"] > 7.14
    for expr, msg in (("__import__('os').system('id')", "unsupported"), ("9**9**9", "too large"),
                      ("1/0", "division by zero"), ("2 +", "not valid")):
        r = call_tool(tools_app, aid, "calculator", "calculate", {"expression": expr})
        assert not r.ok and msg in r.text, (expr, r.text)


def test_web_page_reader_extracts_main_text(tools_app, tconsole):
    r = call_tool(tools_app, tconsole.account.account_id, "webpage", "read_web_page", {"url": "http://news.example/article"})
    assert r.ok, r.text
    assert r.data["title"] == "Tea in Yunnan"
    content = r.data["content"]
    assert "Pu'er is a fermented tea from Yunnan." in content and "- Raw (sheng)" in content
    assert "tracking" not in content and "Home | About" not in content and "©" not in content
    plain = call_tool(tools_app, tconsole.account.account_id, "webpage", "read_web_page", {"url": "http://news.example/plain"})
    assert plain.data["content"] == "just text"
    binary = call_tool(tools_app, tconsole.account.account_id, "webpage", "read_web_page",
                       {"url": "http://news.example/binary"})
    assert not binary.ok and "not text" in binary.text
    big = call_tool(tools_app, tconsole.account.account_id, "webpage", "read_web_page", {"url": "http://news.example/big"})
    assert big.ok and big.data["truncated"] is True and len(big.data["content"]) == 10_000  # TOOL_HTTP_MAX_BYTES


def test_http_request_tool(tools_app, tconsole, thirdparty):
    r = call_tool(tools_app, tconsole.account.account_id, "webpage", "http_request",
                  {"url": "http://news.example/echo", "method": "POST", "headers": '{"X-Token": "abc"}',
                   "body": '{"a": 1}'})
    assert r.ok and r.data["status_code"] == 200
    echoed = json.loads(r.data["body"])
    assert echoed["method"] == "POST" and echoed["body"] == '{"a": 1}'
    assert echoed["headers"]["x-token"] == "abc" and echoed["headers"]["content-type"] == "application/json"
    missing = call_tool(tools_app, tconsole.account.account_id, "webpage", "http_request",
                        {"url": "http://news.example/nothing-here"})
    assert missing.ok and missing.data["status_code"] == 404  # a non-2xx answer is a readable observation
    bad = call_tool(tools_app, tconsole.account.account_id, "webpage", "http_request",
                    {"url": "http://news.example/echo", "headers": "[1]"})
    assert not bad.ok and "headers must be a JSON object" in bad.text
    bad_method = call_tool(tools_app, tconsole.account.account_id, "webpage", "http_request",
                           {"url": "http://news.example/echo", "method": "TRACE"})
    assert not bad_method.ok and "invalid input 'method'" in bad_method.text


def test_duckduckgo_search(tools_app, tconsole, thirdparty):
    r = call_tool(tools_app, tconsole.account.account_id, "duckduckgo", "duckduckgo_search",
                  {"query": "python", "max_results": 5}, params={"region": "us-en"})
    assert r.ok, r.text
    assert r.data["results"][0] == {"title": "Welcome to Python .org", "url": "https://www.python.org/",
                                    "snippet": "The official home of the Python Programming Language."}
    assert len(r.data["results"]) == 2  # the ad is skipped
    sent = thirdparty.requests[-1]
    assert sent.method == "POST" and b"kl=us-en" in sent.body
    with pytest.raises(ToolError, match="param region must be one of"):  # bad form params fail at resolution
        call_tool(tools_app, tconsole.account.account_id, "duckduckgo", "duckduckgo_search", {"query": "x"},
                  params={"region": "mars"})


def test_wikipedia(tools_app, tconsole):
    r = call_tool(tools_app, tconsole.account.account_id, "wikipedia", "wikipedia_search", {"query": "turing", "limit": 2})
    assert r.ok, r.text
    assert r.data["title"] == "Alan Turing" and r.data["summary"].startswith("Alan Mathison Turing")
    assert r.data["results"][0]["snippet"] == "Alan Turing was a mathematician"
    assert r.data["results"][1]["url"].endswith("/wiki/Turing_machine")
    none = call_tool(tools_app, tconsole.account.account_id, "wikipedia", "wikipedia_search", {"query": "nothingatall"})
    assert none.ok and none.data["results"] == []


def test_weather_uses_the_accounts_encrypted_key(tools_app, tconsole, other_tconsole, thirdparty, caplog):
    caplog.set_level(logging.DEBUG)
    aid = tconsole.account.account_id
    missing = call_tool(tools_app, aid, "weather", "current_weather", {"city": "Kunming"})
    assert not missing.ok and "needs an API key" in missing.text
    tconsole.post("/builtin-tools/weather/credentials", json={"config": {"api_key": WEATHER_KEY}})
    r = call_tool(tools_app, aid, "weather", "current_weather", {"city": "Kunming"})
    assert r.ok and r.data["temperature"] == "21.5°C" and r.data["weather"] == "light rain"
    assert thirdparty.requests[-1].query["appid"] == [WEATHER_KEY]
    f = call_tool(tools_app, aid, "weather", "current_weather", {"city": "Kunming"}, params={"units": "imperial"})
    assert f.data["temperature"] == "70.7°F"
    nowhere = call_tool(tools_app, aid, "weather", "current_weather", {"city": "Atlantis"})
    assert not nowhere.ok and "no weather found" in nowhere.text
    # the other tenant's call does not get this account's key
    other = call_tool(tools_app, other_tconsole.account.account_id, "weather", "current_weather", {"city": "Kunming"})
    assert not other.ok and "needs an API key" in other.text
    tconsole.post("/builtin-tools/weather/credentials", json={"config": {"api_key": "wrong-key-000"}})
    refused = call_tool(tools_app, aid, "weather", "current_weather", {"city": "Kunming"})
    assert not refused.ok and "refused the API key" in refused.text and "wrong-key" not in refused.text
    assert WEATHER_KEY not in caplog.text and "wrong-key" not in caplog.text  # nor in logs


def test_image_generation_goes_through_the_gateway_with_usage(tools_app, tconsole):
    aid = tconsole.account.account_id
    r = call_tool(tools_app, aid, "dalle", "dalle3", {"prompt": "a red panda drinking tea"},
                  params={"size": "1792x1024"})
    assert r.ok, r.text
    assert r.data["images"][0].startswith("https://images.fake-openai.test/")
    assert r.data["revised_prompt"] == "a red panda drinking tea"
    from internal.core.language_model import UsageSink

    tools_app.extensions["injector"].get(UsageSink).flush()
    db = tools_app.extensions["injector"].get(SQLAlchemy)
    with tools_app.app_context():
        rows = db.session.scalars(select(ModelUsage).where(ModelUsage.endpoint == "image")).all()
        assert [(str(x.account_id), x.model, x.status) for x in rows] == [(str(aid), "fake-image", "success")]


def test_base64_images_become_signed_upload_urls(tools_app, tconsole, other_tconsole):
    r = call_tool(tools_app, tconsole.account.account_id, "dalle", "dalle3", {"prompt": "a paper boat"},
                  params={"model": "fake-gpt-image"})
    assert r.ok, r.text
    path = r.data["images"][0]
    assert path.startswith("/upload-files/") and "signature=" in path
    image = tools_app.test_client().get(path)  # signed: loads without a token, like an <img>
    assert image.status_code == 200 and image.data.startswith(b"\x89PNG")
    assert other_tconsole.get(path.split("?")[0])["code"] == "not_found"  # unsigned: owner only


def test_images_route_on_the_gateway(tools_app, tconsole):
    with tools_app.app_context():
        _, raw = tools_app.extensions["injector"].get(ApiKeyService).create_api_key(tconsole.account.account_id, True, "i")
    http = tools_app.test_client()
    headers = {"Authorization": f"Bearer {raw}"}
    r = http.post("/v1/images/generations", headers=headers,
                  json={"model": "fake-image", "prompt": "a lighthouse", "n": 2, "response_format": "b64_json"})
    assert r.status_code == 200, r.get_data(as_text=True)
    assert len(r.get_json()["data"]) == 2 and r.get_json()["data"][0]["b64_json"].startswith("iVBOR")
    bad = http.post("/v1/images/generations", headers=headers, json={"model": "fake-image", "prompt": ""})
    assert bad.status_code == 400 and bad.get_json()["error"]["param"] == "prompt"
    chat_model = http.post("/v1/images/generations", headers=headers, json={"model": "fake-gpt", "prompt": "x"})
    assert chat_model.status_code == 400 and chat_model.get_json()["error"]["code"] == "model_not_supported"
    wrong_way = http.post("/v1/chat/completions", headers=headers,
                          json={"model": "fake-image", "messages": [{"role": "user", "content": "hi"}]})
    assert wrong_way.status_code == 400 and wrong_way.get_json()["error"]["code"] == "model_not_supported"


def test_text_utilities(tools_app, tconsole):
    aid = tconsole.account.account_id
    doc = json.dumps({"items": [{"name": "a", "price": 5}, {"name": "b", "price": 20}]})
    r = call_tool(tools_app, aid, "text", "json_query", {"json": doc, "expression": "items[?price > `10`].name"})
    assert r.ok and r.data == {"result": ["b"]}
    bad = call_tool(tools_app, aid, "text", "json_query", {"json": "{oops", "expression": "a"})
    assert not bad.ok and "not valid JSON" in bad.text
    r = call_tool(tools_app, aid, "text", "regex_extract",
                  {"text": "Order 12 and order 345", "pattern": r"order (\d+)", "flags": "i"})
    assert r.ok and r.data == {"count": 2, "matches": [["12"], ["345"]]}
    slow = call_tool(tools_app, aid, "text", "regex_extract", {"text": "a" * 5000 + "!", "pattern": r"(a|aa)+$"})
    assert not slow.ok and "took too long" in slow.text
    r = call_tool(tools_app, aid, "text", "word_count", {"text": "Hello world, it's 2024.\n你好世界"})
    assert r.ok and r.data["words"] == 8 and r.data["lines"] == 2

"""Provider clients against the fake upstream: Anthropic translation (blocking, stream, tools) and
the Azure OpenAI URL/header layout."""
from __future__ import annotations

import json

import httpx
import pytest

from internal.core.language_model.anthropic_client import AnthropicClient, openai_to_anthropic
from internal.core.language_model.clients import AzureOpenAIClient
from internal.core.language_model.deployment import Deployment
from internal.core.language_model.errors import UpstreamError

TOOLS = [{"type": "function", "function": {"name": "get_weather", "description": "Weather",
                                           "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}}]


def anthropic(upstream, key="sk-ant"):
    return Deployment(id="claude", provider="anthropic", model="claude-test", protocol="anthropic",
                      api_base=upstream, api_key=key)


def test_openai_request_translates_to_anthropic():
    out = openai_to_anthropic({
        "messages": [{"role": "system", "content": "be nice"}, {"role": "user", "content": "hi"},
                     {"role": "assistant", "content": None, "tool_calls": [
                         {"id": "c1", "type": "function", "function": {"name": "f", "arguments": '{"a": 1}'}}]},
                     {"role": "tool", "tool_call_id": "c1", "content": "42"}],
        "tools": TOOLS, "tool_choice": "required", "stop": "END", "temperature": 0.5}, "claude-x")
    assert out["system"] == "be nice" and out["max_tokens"] == 1024 and out["stop_sequences"] == ["END"]
    assert out["messages"][1]["content"][0] == {"type": "tool_use", "id": "c1", "name": "f", "input": {"a": 1}}
    assert out["messages"][2] == {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "c1",
                                                               "content": "42"}]}
    assert out["tools"][0]["input_schema"]["properties"] == {"city": {"type": "string"}}
    assert out["tool_choice"] == {"type": "any"}


def test_anthropic_blocking_text_and_tool_call(upstream):
    client = AnthropicClient()
    res = client.chat(anthropic(upstream), {"messages": [{"role": "user", "content": "hi"}]})
    assert res["object"] == "chat.completion" and res["choices"][0]["message"]["content"] == "Hello from fake Claude"
    assert res["choices"][0]["finish_reason"] == "stop" and res["usage"]["completion_tokens"] == 7
    res = client.chat(anthropic(upstream), {"messages": [{"role": "user", "content": "weather?"}], "tools": TOOLS})
    call = res["choices"][0]["message"]["tool_calls"][0]
    assert res["choices"][0]["finish_reason"] == "tool_calls"
    assert call["function"]["name"] == "get_weather" and json.loads(call["function"]["arguments"]) == {"city": "test"}
    last = httpx.get(upstream + "/_last").json()
    assert last["path"] == "/v1/messages" and last["headers"]["x-api-key"] == "sk-ant"
    assert last["headers"]["anthropic-version"]


def test_anthropic_stream_translates_events(upstream):
    chunks = list(AnthropicClient().chat_stream(anthropic(upstream), {"messages": [{"role": "user", "content": "hi"}]}))
    text = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks if c["choices"])
    assert text == "Hello from fake Claude"
    assert chunks[-1]["choices"] == [] and chunks[-1]["usage"]["completion_tokens"] == 7
    tool_chunks = list(AnthropicClient().chat_stream(anthropic(upstream), {
        "messages": [{"role": "user", "content": "weather?"}], "tools": TOOLS}))
    args = "".join(tc["function"].get("arguments", "") for c in tool_chunks if c["choices"]
                   for tc in c["choices"][0]["delta"].get("tool_calls") or [])
    assert json.loads(args) == {"city": "test"}
    assert any(c["choices"] and c["choices"][0]["finish_reason"] == "tool_calls" for c in tool_chunks)


def test_anthropic_auth_failure_is_an_upstream_error(upstream):
    with pytest.raises(UpstreamError) as e:
        AnthropicClient().chat(anthropic(upstream, key=None), {"messages": [{"role": "user", "content": "hi"}]})
    assert e.value.code == "upstream_authentication_error"


def test_azure_layout(upstream):
    dep = Deployment(id="az", provider="azure_openai", model="my-4o", protocol="azure_openai", api_base=upstream,
                     api_key="az-key", api_version="2024-10-21")
    res = AzureOpenAIClient().chat(dep, {"messages": [{"role": "user", "content": "hi"}]})
    assert res["choices"][0]["message"]["content"]
    last = httpx.get(upstream + "/_last").json()
    assert last["path"] == "/openai/deployments/my-4o/chat/completions"
    assert last["query"] == "api-version=2024-10-21" and last["headers"]["api-key"] == "az-key"
    assert "authorization" not in last["headers"]

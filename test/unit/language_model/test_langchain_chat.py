import random

import pytest
from langchain_core.messages import HumanMessage, SystemMessage
from langchain_core.tools import tool

from internal.core.language_model.catalog import LanguageModelCatalog
from internal.core.language_model.errors import StreamInterruptedError, UpstreamError
from internal.core.language_model.gateway import CallContext, LanguageModelGateway
from internal.core.language_model.langchain_chat import RoutedChatModel
from internal.core.language_model.router import Router
from internal.core.language_model.router_config import parse_router_config
from internal.core.language_model.usage import MemoryUsageSink

from .fakes import ScriptedClient

CATALOG = LanguageModelCatalog()


def make(script=None, text="hello routed world"):
    cfg = parse_router_config({"settings": {"num_retries": 0}, "model_groups": {"g": {"deployments": [
        {"id": "a", "provider": "openai_compatible", "model": "a", "api_base": "http://x/v1"},
        {"id": "b", "provider": "openai_compatible", "model": "b", "api_base": "http://x/v1", "priority": 1}]}}},
        {p.name: p.provider_entity.protocol for p in CATALOG.get_providers()})
    client = ScriptedClient(script, text=text)
    sink = MemoryUsageSink()
    gw = LanguageModelGateway(Router(cfg, CATALOG, clients={"openai": client}, sleep=lambda s: None,
                                     rng=random.Random(0)), CATALOG, sink)
    return RoutedChatModel(gateway=gw, model="g", context=CallContext(account_id="acc"), temperature=0.1), client, sink


def test_invoke_goes_through_router_with_fallback_and_usage():
    llm, client, sink = make(script={"a": [UpstreamError("down")]})
    msg = llm.invoke([SystemMessage("be brief"), HumanMessage("hi")])
    assert msg.content == "hello routed world"
    assert msg.usage_metadata["total_tokens"] == 15
    assert client.calls["a"] == 1 and client.calls["b"] == 1
    assert client.bodies[-1]["messages"][0] == {"role": "system", "content": "be brief"}
    assert client.bodies[-1]["temperature"] == 0.1
    assert sink.records[0].account_id == "acc" and sink.records[0].deployment_id == "b"


def test_stream_yields_tokens_and_usage():
    llm, _, sink = make()
    chunks = list(llm.stream("hi"))
    assert "".join(c.content for c in chunks) == "hello routed world"
    assert any(c.usage_metadata for c in chunks)
    assert sink.records[0].stream


def test_stream_break_raises():
    llm, client, _ = make(text="a b c d")
    client.stream_break_after = {"a": 1}
    with pytest.raises(StreamInterruptedError):
        list(llm.stream("hi"))


def test_bind_tools_sends_openai_tools():
    @tool
    def get_weather(city: str) -> str:
        """Weather for a city."""
        return "sunny"

    llm, client, _ = make()
    llm.bind_tools([get_weather], tool_choice="get_weather").invoke("weather?")
    body = client.bodies[-1]
    assert body["tools"][0]["function"]["name"] == "get_weather"
    assert body["tool_choice"] == {"type": "function", "function": {"name": "get_weather"}}

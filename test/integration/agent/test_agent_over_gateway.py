"""The agent over the real model path: RoutedChatModel → gateway → router → HTTP client → the
fake OpenAI-compatible upstream (a process on 127.0.0.1) that answers with a tool call, then
with text. Tokens and price come from the gateway's usage, summed over both calls."""
import pytest

from internal.core.agent import AgentConfig, AgentTurn, collect_outcome, create_agent
from internal.core.language_model.catalog import LanguageModelCatalog
from internal.core.language_model.entities import Pricing
from internal.core.language_model.gateway import CallContext, LanguageModelGateway
from internal.core.language_model.langchain_chat import RoutedChatModel
from internal.core.language_model.router import Router
from internal.core.language_model.router_config import parse_router_config
from internal.core.language_model.usage import MemoryUsageSink
from test.support.fake_openai.process import start_fake_upstream
from test.unit.agent.helpers import EchoTool

CATALOG = LanguageModelCatalog()


@pytest.fixture(scope="module")
def upstream(tmp_path_factory):
    proc, url = start_fake_upstream(tmp_path_factory.mktemp("agent-upstream") / "upstream.log")
    yield url
    proc.stop()


def routed_model(url: str):
    cfg = parse_router_config({"settings": {"num_retries": 0}, "model_groups": {"fake-model": {"deployments": [
        {"id": "d1", "provider": "openai_compatible", "model": "fake-model", "api_base": url + "/v1",
         "api_key": "sk-test"}]}}}, {p.name: p.provider_entity.protocol for p in CATALOG.get_providers()})
    sink = MemoryUsageSink()
    gateway = LanguageModelGateway(Router(cfg, CATALOG), CATALOG, sink)
    return RoutedChatModel(gateway=gateway, model="fake-model", context=CallContext(account_id="acc")), sink


def test_function_calling_turn_through_the_gateway(upstream):
    llm, sink = routed_model(upstream)
    echo = EchoTool()
    pricing = Pricing(input=2.0, output=4.0, unit=1_000_000)
    agent = create_agent("function_calling", AgentConfig(llm=llm, tools=[echo], pricing=pricing))
    events = list(agent.run(AgentTurn(query="look it up", task_id="t", message_id="m", conversation_id="c")))
    res = collect_outcome(events)
    assert res.status == "normal", res.error
    assert len(echo.received) == 1                                 # the upstream's tool call was executed
    assert res.answer.startswith("The tool returned: echo:")       # the second call read the tool result
    assert [str(e.event) for e in events if e.stream][:2] == ["agent_thought", "agent_action"]
    assert len(sink.records) == 2 and all(r.status == "success" for r in sink.records)
    assert res.total_tokens == sum(r.total_tokens for r in sink.records) > 0
    assert res.message_tokens == sum(r.prompt_tokens for r in sink.records)
    expected_price = sum(pricing.cost(r.prompt_tokens, r.completion_tokens) for r in sink.records)
    assert abs(res.total_price - expected_price) < 1e-12

"""Tracing in the production server (gunicorn, ONE gevent worker, the embedded layout) with
OTLP/HTTP export to a collector stand-in on 127.0.0.1, driven by the openai SDK: one /v1 call
arrives at the collector as one trace — the lane's server span, the model call with its GenAI
attributes and cost, the upstream transport — exported by the worker's batch processor under gevent."""
from __future__ import annotations

import openai
import pytest

from internal.service.api_key_service import ApiKeyService
from test.support.fake_openai.process import start_fake_upstream
from test.support.live_stack import live_stack
from test.support.otlp_collector import OtlpCollector, attributes


@pytest.fixture(scope="module")
def traced_server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("tracing-e2e")
    upstream, url = start_fake_upstream(tmp / "upstream.log")
    (tmp / "router.yaml").write_text("model_groups:\n  e2e-traced:\n    deployments:\n"
                                     f"      - {{id: e2e, provider: openai, model: gpt-4o-mini, api_base: \"{url}/v1\"}}\n")
    try:
        with OtlpCollector() as collector:
            env = {"LLM_ROUTER_CONFIG": str(tmp / "router.yaml"), "OTEL_ENABLED": "true",
                   "OTEL_SERVICE_NAME": "llmops-e2e", "OTEL_EXPORTER_OTLP_ENDPOINT": collector.url,
                   "OTEL_BSP_SCHEDULE_DELAY": "100", "GUNICORN_WORKER_CLASS": None}  # the production gevent worker
            with live_stack(tmp, "tracing_e2e", 5, env, layout="embedded") as stack:
                with stack.app.app_context():
                    _, key = stack.app.extensions["injector"].get(ApiKeyService).create_api_key(
                        stack.account.account_id, True, "e2e")
                yield stack.url, key, collector
    finally:
        upstream.stop()


def test_a_v1_call_reaches_the_collector_as_one_trace(traced_server):
    url, key, collector = traced_server
    client = openai.OpenAI(base_url=url + "/v1", api_key=key, max_retries=0)
    answer = client.chat.completions.create(model="e2e-traced", messages=[{"role": "user", "content": "Hi"}],
                                            max_tokens=8)
    assert answer.choices[0].message.content

    def complete(spans):
        calls = [(r, s) for r, s in spans if s.name == "chat e2e-traced"]
        if not calls:
            return None
        trace_id = calls[0][1].trace_id
        same = [(r, s) for r, s in spans if s.trace_id == trace_id]
        names = {s.name for _, s in same}
        return same if {"POST /v1/chat/completions", "POST"} <= names else None

    spans = collector.wait_for(complete, 30)
    by_name = {s.name: s for _, s in spans}
    assert {r["service.name"] for r, _ in spans} == {"llmops-e2e"}
    server, call, transport = by_name["POST /v1/chat/completions"], by_name["chat e2e-traced"], by_name["POST"]
    assert not server.parent_span_id and call.parent_span_id == server.span_id
    assert transport.parent_span_id == call.span_id
    a = attributes(call)
    assert a["gen_ai.operation.name"] == "chat" and a["gen_ai.provider.name"] == "openai"
    assert a["gen_ai.usage.input_tokens"] == answer.usage.prompt_tokens
    assert a["gen_ai.usage.output_tokens"] == answer.usage.completion_tokens
    assert a["llmops.cost"] > 0
    assert key not in repr([attributes(s) for _, s in spans])

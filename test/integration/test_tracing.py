"""OpenTelemetry tracing (docs/operations.md "Observe") on the real app, PostgreSQL and Redis.

The app's tracer provider exports to an in-memory exporter (synchronously, on span end). A /v1
call through the API lane against the fake upstream, and a document upload indexed by a Celery
worker running in this process (on the real Redis broker, its own queue), must each be ONE
trace: server span → database/Redis spans → model-call span (GenAI attributes) → transport
span; HTTP request → task publish → task run.
"""
from __future__ import annotations

import io
import json
import logging
import time
import uuid

import httpx
import pytest
from celery.contrib.testing.worker import start_worker
from injector import Module, provider, singleton
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from app.http.app import create_app
from config.language_model import LanguageModelSettings
from internal.core.language_model import UsageSink
from internal.extension.telemetry_extension import Telemetry, build_telemetry
from internal.service.api_key_service import ApiKeyService
from test.conftest import ConsoleClient, make_account
from test.support.fake_openai.process import start_fake_upstream

CHAT = {"model": "traced-gpt", "messages": [{"role": "user", "content": "Hello tracing"}], "max_tokens": 16,
        "temperature": 0.5}


class _Overrides(Module):
    def __init__(self, router_config: str, telemetry: Telemetry):
        self.router_config, self.telemetry = router_config, telemetry

    def configure(self, binder):
        binder.bind(Telemetry, to=self.telemetry, scope=singleton)

    @singleton
    @provider
    def settings(self) -> LanguageModelSettings:
        return LanguageModelSettings(ROUTER_CONFIG=self.router_config, _env_file=None)


@pytest.fixture(scope="module")
def upstream(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("traced")
    proc, url = start_fake_upstream(tmp / "upstream.log")
    path = tmp / "router.yaml"
    path.write_text("model_groups:\n  traced-gpt:\n    deployments:\n"
                    f"      - {{id: traced, provider: openai, model: gpt-4o-mini, api_base: \"{url}/v1\"}}\n")
    yield str(path), url
    proc.stop()


@pytest.fixture(scope="module")
def exporter():
    return InMemorySpanExporter()


@pytest.fixture(scope="module")
def traced_app(pg_app, pg_config, upstream, exporter):
    conf = pg_config.model_copy(update={"OTEL_ENABLED": True, "OTEL_SERVICE_NAME": "llmops-test"})
    telemetry = build_telemetry(conf, processors=[SimpleSpanProcessor(exporter)])
    app = create_app(conf, modules=[_Overrides(upstream[0], telemetry)])
    # the in-process worker below consumes this queue only (not the shared worker process's)
    app.extensions["celery"].conf.task_default_queue = f"traced-{uuid.uuid4().hex[:8]}"
    yield app
    app.extensions["injector"].get(UsageSink).close()
    telemetry.shutdown()


@pytest.fixture
def spans(exporter):
    exporter.clear()
    return exporter


@pytest.fixture
def api_key(app, traced_app) -> str:
    account = make_account(traced_app)
    with traced_app.app_context():
        _, raw = traced_app.extensions["injector"].get(ApiKeyService).create_api_key(account.account_id, True, "t")
    return raw


def _one_trace(finished) -> int:
    trace_ids = {s.context.trace_id for s in finished}
    assert len(trace_ids) == 1, [(s.name, hex(s.context.trace_id)) for s in finished]
    return trace_ids.pop()


def _by_kind_and_name(finished, kind, name):
    found = [s for s in finished if s.kind == kind and s.name == name]
    assert found, (kind, name, [(s.kind, s.name) for s in finished])
    return found


def test_a_v1_call_is_one_trace_from_server_to_upstream(traced_app, api_key, spans, upstream):
    r = traced_app.test_client().post("/v1/chat/completions", json=CHAT,
                                      headers={"Authorization": f"Bearer {api_key}"})
    assert r.status_code == 200, r.get_data(as_text=True)
    usage = r.get_json()["usage"]
    finished = spans.get_finished_spans()
    _one_trace(finished)

    [server] = _by_kind_and_name(finished, SpanKind.SERVER, "POST /v1/chat/completions")
    assert server.parent is None
    assert server.attributes["http.route"] == "/v1/chat/completions"
    assert server.attributes.get("http.status_code", server.attributes.get("http.response.status_code")) == 200
    assert server.resource.attributes["service.name"] == "llmops-test"

    [call] = _by_kind_and_name(finished, SpanKind.CLIENT, "chat traced-gpt")
    assert call.parent.span_id == server.context.span_id
    a = call.attributes
    assert a["gen_ai.operation.name"] == "chat" and a["gen_ai.request.model"] == "traced-gpt"
    assert a["gen_ai.provider.name"] == "openai" and a["gen_ai.response.model"]
    assert a["gen_ai.request.temperature"] == 0.5 and a["gen_ai.request.max_tokens"] == 16
    assert a["gen_ai.usage.input_tokens"] == usage["prompt_tokens"] > 0
    assert a["gen_ai.usage.output_tokens"] == usage["completion_tokens"] > 0
    assert a["llmops.cost"] > 0 and a["llmops.cost.currency"] == "USD"  # gpt-4o-mini has a catalog price
    assert a["llmops.deployment.id"] == "traced" and a["llmops.attempts"] == 1

    [transport] = _by_kind_and_name(finished, SpanKind.CLIENT, "POST")
    assert transport.parent.span_id == call.context.span_id
    assert transport.attributes["server.port"] == int(upstream[1].rsplit(":", 1)[1])
    assert transport.attributes["http.response.status_code"] == 200
    assert transport.attributes["url.full"].endswith("/v1/chat/completions")
    # the upstream received the trace context (W3C traceparent) of the transport span
    sent = httpx.get(upstream[1] + "/_last").json()["headers"]
    version, trace_id, parent_id, flags = sent["traceparent"].split("-")
    assert (trace_id, parent_id) == (f"{transport.context.trace_id:032x}", f"{transport.context.span_id:016x}")
    assert int(flags, 16) & 1  # sampled

    database = [s for s in finished if s.attributes.get("db.system") == "postgresql"]
    redis = [s for s in finished if s.attributes.get("db.system") == "redis"]
    assert database and redis, [(s.name, dict(s.attributes)) for s in finished]
    assert all(s.parent is not None for s in database + redis)
    assert api_key not in json.dumps([dict(s.attributes) for s in finished])


def test_a_streamed_call_ends_its_span_with_the_tokens(traced_app, api_key, spans):
    body = {**CHAT, "stream": True, "stream_options": {"include_usage": True}}
    r = traced_app.test_client().post("/v1/chat/completions", json=body,
                                      headers={"Authorization": f"Bearer {api_key}"})
    frames = [f for f in r.get_data(as_text=True).split("\n\n") if f]
    assert frames[-1] == "data: [DONE]"
    usage = json.loads(frames[-2][len("data: "):])["usage"]
    finished = spans.get_finished_spans()
    _one_trace(finished)
    [call] = _by_kind_and_name(finished, SpanKind.CLIENT, "chat traced-gpt")
    [server] = _by_kind_and_name(finished, SpanKind.SERVER, "POST /v1/chat/completions")
    assert call.attributes["llmops.stream"] is True
    assert call.attributes["gen_ai.usage.output_tokens"] == usage["completion_tokens"] > 0
    assert call.attributes["llmops.time_to_first_token_ms"] > 0
    assert call.parent.span_id == server.context.span_id
    assert call.end_time <= server.end_time  # the server span covers the whole streamed body


def test_an_upstream_error_is_recorded_on_the_call(traced_app, api_key, spans):
    r = traced_app.test_client().post("/v1/chat/completions", json={**CHAT, "model": "no-such-model"},
                                      headers={"Authorization": f"Bearer {api_key}"})
    assert r.status_code == 404
    [call] = _by_kind_and_name(spans.get_finished_spans(), SpanKind.CLIENT, "chat no-such-model")
    assert call.attributes["error.type"] == "model_not_found" and not call.status.is_ok


def test_c_log_lines_carry_the_trace_and_span_ids(traced_app, pg_config):
    tracer = traced_app.extensions["telemetry"].tracer("test")
    marker = f"traced line {uuid.uuid4().hex}"
    with tracer.start_as_current_span("work") as span:
        logging.getLogger("llmops.test").warning(marker)
    logging.getLogger("llmops.test").warning(marker + " after")
    for handler in logging.getLogger().handlers:
        handler.flush()
    lines = [json.loads(line) for line in (pg_config.LOG_DIR / "llmops.log").read_text().splitlines()
             if marker in line]
    inside, outside = lines[-2], lines[-1]
    assert inside["message"] == marker
    assert inside["trace_id"] == format(span.get_span_context().trace_id, "032x")
    assert inside["span_id"] == format(span.get_span_context().span_id, "016x")
    assert outside["message"] == marker + " after" and "trace_id" not in outside


def _wait(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def test_b_document_upload_and_its_indexing_task_are_one_trace(traced_app, spans):
    console = ConsoleClient(traced_app, make_account(traced_app))
    dataset = console.post("/datasets", json={"name": f"traced-{uuid.uuid4().hex[:6]}", "icon": "",
                                              "description": ""})["data"]["id"]
    file_id = console.post("/upload-files/file", data={"file": (io.BytesIO(b"Tracing spans the worker too."),
                                                                "t.txt")},
                           content_type="multipart/form-data")["data"]["id"]
    celery_app = traced_app.extensions["celery"]
    with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=30,
                      queues=[celery_app.conf.task_default_queue]):
        spans.clear()
        created = console.post(f"/datasets/{dataset}/documents",
                               json={"upload_file_ids": [file_id], "process_type": "automatic"})
        batch = created["data"]["batch"]

        def indexed():
            docs = console.get(f"/datasets/{dataset}/documents/batch/{batch}")["data"]
            return all(d["status"] in ("completed", "error") for d in docs) and docs

        docs = _wait(indexed, 120, "the indexing task")
        assert [d["status"] for d in docs] == ["completed"]
        run = _wait(lambda: [s for s in spans.get_finished_spans()
                             if s.name == "run/knowledge.index_next_document"], 30, "the task's span")

    finished = spans.get_finished_spans()
    [request] = [s for s in finished if s.kind == SpanKind.SERVER and s.attributes.get("http.route")
                 == "/datasets/<uuid:dataset_id>/documents"]
    [publish] = [s for s in finished if s.name == "apply_async/knowledge.index_next_document"
                 and s.context.trace_id == request.context.trace_id]
    assert run[0].kind == SpanKind.CONSUMER and run[0].context.trace_id == request.context.trace_id
    assert run[0].parent.span_id == publish.context.span_id
    # the task's own database work is inside the task's span
    task_sql = [s for s in finished if s.attributes.get("db.system") == "postgresql"
                and s.parent is not None and s.parent.span_id == run[0].context.span_id]
    assert task_sql


def test_remote_embedding_calls_are_http_client_spans_of_the_caller(upstream, tmp_path):
    from injector import Injector

    from app.http.knowledge_module import KnowledgeModule
    from internal.core.indexing import KnowledgeBase
    from test.support.environment import make_test_config

    conf = make_test_config(tmp_path, OTEL_ENABLED=True, EMBEDDING_MODEL="openai:fake-emb",
                            EMBEDDING_BASE_URL=upstream[1] + "/v1", EMBEDDING_API_KEY="sk-embedding-secret")
    exporter = InMemorySpanExporter()
    telemetry = build_telemetry(conf, processors=[SimpleSpanProcessor(exporter)])
    kb = Injector([KnowledgeModule(conf), lambda b: b.bind(Telemetry, to=telemetry)]).get(KnowledgeBase)
    with telemetry.tracer("test").start_as_current_span("indexing") as parent:
        assert kb.embeddings(kb.default_model).embed_array(["traced text"]).shape[0] == 1
    calls = [s for s in exporter.get_finished_spans() if s.kind == SpanKind.CLIENT]
    assert calls and all(s.parent.span_id == parent.get_span_context().span_id for s in calls)
    assert any(str(s.attributes.get("url.full", s.attributes.get("http.url", ""))).endswith("/v1/embeddings")
               for s in calls), [dict(s.attributes) for s in calls]
    assert "sk-embedding-secret" not in json.dumps([dict(s.attributes) for s in calls])

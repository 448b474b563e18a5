"""With OTEL_EXPORTER_OTLP_ENDPOINT set, spans reach the collector over OTLP/HTTP (protobuf) at
<endpoint>/v1/traces with the configured headers (a local collector stand-in receives them)."""
from __future__ import annotations

from internal.extension.telemetry_extension import build_telemetry
from test.support.environment import make_test_config
from test.support.otlp_collector import OtlpCollector, attributes


def test_spans_are_exported_to_the_configured_collector(tmp_path):
    with OtlpCollector() as collector:
        conf = make_test_config(tmp_path, OTEL_ENABLED=True, OTEL_SERVICE_NAME="llmops-export-test",
                                OTEL_EXPORTER_OTLP_ENDPOINT=collector.url + "/",
                                OTEL_EXPORTER_OTLP_HEADERS="authorization=Bearer t0k, x-tenant=ops")
        telemetry = build_telemetry(conf)
        with telemetry.tracer("test").start_as_current_span("exported work") as span:
            span.set_attribute("gen_ai.request.model", "m")
        assert telemetry.provider.force_flush(10_000)
        [(resource, exported)] = collector.wait_for(lambda spans: spans, 10)
        telemetry.shutdown()
    path, headers, _ = collector.requests[0]
    assert path == "/v1/traces" and headers["content-type"] == "application/x-protobuf"
    assert headers["authorization"] == "Bearer t0k" and headers["x-tenant"] == "ops"
    assert resource["service.name"] == "llmops-export-test"
    assert exported.name == "exported work" and attributes(exported) == {"gen_ai.request.model": "m"}
    assert exported.trace_id == span.get_span_context().trace_id.to_bytes(16, "big")


def test_tracing_on_without_an_endpoint_exports_nothing(tmp_path):
    telemetry = build_telemetry(make_test_config(tmp_path, OTEL_ENABLED=True))
    # recorded (so log lines get ids), but no span processor sends them anywhere
    assert telemetry.tracer("t").start_span("x").is_recording()
    assert telemetry.provider._active_span_processor._span_processors == ()

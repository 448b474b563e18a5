"""Tracing off (the default, docs/operations.md "Observe"): nothing is instrumented, nothing is
recorded or exported, and requests run the untraced code path."""
from __future__ import annotations

from opentelemetry import trace
from opentelemetry.instrumentation.celery import CeleryInstrumentor
from opentelemetry.instrumentation.sqlalchemy.engine import EngineTracer
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from internal.core.language_model import LanguageModelGateway, Router
from internal.extension.telemetry_extension import Telemetry, build_telemetry
from pkg.sqlalchemy import SQLAlchemy


def test_the_default_app_installs_no_tracing(app, pg_config):
    assert pg_config.OTEL_ENABLED is False
    injector = app.extensions["injector"]
    telemetry = injector.get(Telemetry)
    assert telemetry.provider is None and not telemetry.enabled and telemetry.tracer("x") is None
    assert injector.get(LanguageModelGateway).tracer is None
    assert injector.get(Router).http_pool is None  # the bare process pool, no span wrapper
    assert not getattr(app, "_is_instrumented_by_opentelemetry", False)  # FlaskInstrumentor never ran
    lane = app.wsgi_app
    assert lane._serve == lane._serve_lane  # no WSGI middleware on the /v1 lane
    assert not CeleryInstrumentor().is_instrumented_by_opentelemetry
    assert not getattr(app.extensions["redis"], "_is_instrumented_by_opentelemetry", False)
    with app.app_context():
        engine = injector.get(SQLAlchemy).engine
    assert all(target is not engine for target, *_ in EngineTracer._remove_event_listener_params)


def test_processors_given_to_a_disabled_config_record_nothing(pg_config):
    exporter = InMemorySpanExporter()
    telemetry = build_telemetry(pg_config, processors=[SimpleSpanProcessor(exporter)])
    assert telemetry.provider is None
    # what the code under test sees: the API's non-recording span, so no span can be exported
    assert not trace.get_current_span().is_recording()
    assert exporter.get_finished_spans() == ()

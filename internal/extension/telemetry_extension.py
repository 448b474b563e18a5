"""OpenTelemetry tracing: one tracer provider per app, off unless OTEL_ENABLED (docs/operations.md).

Off (the default): `Telemetry.provider` is None, nothing is instrumented and no exporter exists,
so requests pay nothing. On: spans of Flask requests and the /v1 API lane, SQLAlchemy, Redis,
Celery (publish → run, context in the message headers), the upstream model transport and the
model calls themselves (GenAI attributes) share one trace per request or task. Spans go to an
OTLP/HTTP collector when OTEL_EXPORTER_OTLP_ENDPOINT is set, else they are only recorded in
the process (their ids still reach the log lines).

The provider is the app's, passed explicitly to every instrumentation and never installed as
the process's global provider: several apps live in one test process, each with its own setting.
Celery's signals are the exception (process-wide by design): the first app that turns tracing on
in a process instruments them, and `shutdown()` removes them again.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field

from celery import Celery
from flask import Flask
from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.sdk.trace.sampling import ParentBased, TraceIdRatioBased
from redis import Redis

from config import Config
from pkg.sqlalchemy import SQLAlchemy

log = logging.getLogger(__name__)

# probes and scrapes would be most of the traces and tell nothing
_EXCLUDED_URLS = "/metrics,/health/live,/ping"


@dataclass
class Telemetry:
    """The app's tracer provider (None: tracing off) and what was instrumented with it."""

    provider: TracerProvider | None = None
    _undo: list = field(default_factory=list)

    @property
    def enabled(self) -> bool:
        return self.provider is not None

    def tracer(self, name: str) -> trace.Tracer | None:
        return self.provider.get_tracer(name) if self.provider is not None else None

    def instrument_httpx(self, client):
        """An httpx client whose requests become HTTP client spans (tracing on); returned as is."""
        if self.provider is not None:
            from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor

            HTTPXClientInstrumentor.instrument_client(client, tracer_provider=self.provider)
        return client

    def shutdown(self) -> None:
        """Flush and stop exporting; undo the process-wide instrumentation this app installed."""
        while self._undo:
            self._undo.pop()()
        if self.provider is not None:
            self.provider.shutdown()


def _parse_headers(value: str) -> dict[str, str]:
    headers = {}
    for item in value.split(","):
        key, sep, val = item.partition("=")
        if sep and key.strip():
            headers[key.strip()] = val.strip()
    return headers


def build_telemetry(conf: Config, processors: list[SpanProcessor] | None = None) -> Telemetry:
    """`processors`: extra span processors (tests pass one with an in-memory exporter)."""
    if not conf.OTEL_ENABLED:
        return Telemetry()
    provider = TracerProvider(resource=Resource.create({"service.name": conf.OTEL_SERVICE_NAME}),
                              sampler=ParentBased(TraceIdRatioBased(conf.OTEL_TRACES_SAMPLER_ARG)))
    if conf.OTEL_EXPORTER_OTLP_ENDPOINT:
        # imported only when used: the exporter pulls in protobuf and requests
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        exporter = OTLPSpanExporter(endpoint=conf.OTEL_EXPORTER_OTLP_ENDPOINT.rstrip("/") + "/v1/traces",
                                    headers=_parse_headers(conf.OTEL_EXPORTER_OTLP_HEADERS))
        provider.add_span_processor(BatchSpanProcessor(exporter))
    for processor in processors or ():
        provider.add_span_processor(processor)
    return Telemetry(provider)


def init_app(app: Flask, telemetry: Telemetry, db: SQLAlchemy, redis_client: Redis, celery_app: Celery,
             conf: Config) -> None:
    """Instrument Flask (call before the API lane wraps `wsgi_app`), the app's engine, its Redis
    client and Celery. The lane's server spans are set up by the lane itself."""
    app.extensions["telemetry"] = telemetry
    provider = telemetry.provider
    if provider is None:
        return
    from opentelemetry.instrumentation.flask import FlaskInstrumentor

    # only Flask's own dispatch: its hooks read `flask.request`, which lane requests never have
    FlaskInstrumentor.instrument_app(app, tracer_provider=provider, excluded_urls=_EXCLUDED_URLS,
                                     enable_commenter=False)
    _instrument_engine(app, db, provider)
    if conf.uses_redis:  # the in-process stand-in is no network call worth a span
        from opentelemetry.instrumentation.redis import RedisInstrumentor

        RedisInstrumentor.instrument_client(redis_client, tracer_provider=provider)
    _instrument_celery(telemetry)


def _instrument_engine(app: Flask, db: SQLAlchemy, provider: TracerProvider) -> None:
    # EngineTracer is what SQLAlchemyInstrumentor(engine=...) builds, minus the instrumentor's
    # process-wide patch of create_engine (it would trace every engine of every app)
    from opentelemetry.instrumentation.sqlalchemy import __version__
    from opentelemetry.instrumentation.sqlalchemy.engine import EngineTracer
    from opentelemetry.metrics import NoOpMeterProvider

    counter = NoOpMeterProvider().get_meter(__name__).create_up_down_counter("db.client.connections.usage")
    with app.app_context():
        EngineTracer(provider.get_tracer("opentelemetry.instrumentation.sqlalchemy", __version__), db.engine,
                     counter)


def _instrument_celery(telemetry: Telemetry) -> None:
    from opentelemetry.instrumentation.celery import CeleryInstrumentor

    instrumentor = CeleryInstrumentor()
    if instrumentor.is_instrumented_by_opentelemetry:
        log.warning("Celery is already traced by another app of this process; its spans go to that app's provider")
        return
    instrumentor.instrument(tracer_provider=telemetry.provider)
    telemetry._undo.append(instrumentor.uninstrument)

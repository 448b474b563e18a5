"""Prometheus request metrics by route template and status.

Each app owns its registry (no global default registry). Under gunicorn set
PROMETHEUS_MULTIPROC_DIR so the figures of all workers are summed at /metrics.
"""
from __future__ import annotations

import os
import time

from flask import Flask, g, request
from prometheus_client import CollectorRegistry, Counter, Histogram, multiprocess


class Metrics:
    def __init__(self) -> None:
        multiproc = bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))
        # In multiprocess mode values live in mmap files; the registry only collects them.
        self.registry = CollectorRegistry(auto_describe=True)
        metric_registry = None if multiproc else self.registry
        if multiproc:
            multiprocess.MultiProcessCollector(self.registry)
        self.requests = Counter("llmops_http_requests_total", "HTTP requests", ["method", "route", "status"],
                                registry=metric_registry)
        self.latency = Histogram("llmops_http_request_duration_seconds", "HTTP request latency",
                                 ["method", "route"], registry=metric_registry,
                                 buckets=(.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30))


def init_app(app: Flask, metrics: Metrics) -> None:
    app.extensions["metrics"] = metrics

    @app.before_request
    def _start_timer():
        g.request_started = time.perf_counter()

    @app.after_request
    def _observe(response):
        route = request.url_rule.rule if request.url_rule else "<unmatched>"
        started = g.get("request_started")
        metrics.requests.labels(request.method, route, str(response.status_code)).inc()
        if started is not None:
            metrics.latency.labels(request.method, route).observe(time.perf_counter() - started)
        return response

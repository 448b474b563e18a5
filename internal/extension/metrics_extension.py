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
        # labelled children by (method, route, status): `labels()` validates and locks on every call
        self._children: dict[tuple[str, str, int], tuple] = {}

    def observe(self, method: str, route: str, status: int, seconds: float | None) -> None:
        """Count one request by route template and status; `seconds` feeds the latency histogram."""
        key = (method, route, status)
        pair = self._children.get(key)
        if pair is None:
            if len(self._children) > 10_000:  # routes are templates, methods and statuses few: never in practice
                self._children.clear()
            pair = self._children[key] = (self.requests.labels(method, route, str(status)),
                                          self.latency.labels(method, route))
        pair[0].inc()
        if seconds is not None:
            pair[1].observe(seconds)


def init_app(app: Flask, metrics: Metrics) -> None:
    app.extensions["metrics"] = metrics

    @app.before_request
    def _start_timer():
        g.request_started = time.perf_counter()

    @app.after_request
    def _observe(response):
        req = request._get_current_object()
        started = g.get("request_started")
        metrics.observe(req.method, req.url_rule.rule if req.url_rule else "<unmatched>", response.status_code,
                        None if started is None else time.perf_counter() - started)
        return response

"""The API lane: the gateway's hot /v1 routes served without Flask's per-request machinery.

Why: the /v1 budget (docs/language-models.md §9) is throughput on a 2-core machine shared with
the client and the upstream. Flask's request context, URL adapter, request hooks and Response
object cost more CPU per call than the proxying work of the gateway itself: under the production
server, blocking chat calls at concurrency 20 went from ~3 100 to ~4 500–4 900 per second with
the lane alone.

What stays the same: the route table is the router's (`Router.lane_routes()`, the /v1 routes
without path parameters); the lane calls the same handler methods, inside an app context (the
request's database session is removed at its end, `g` holds the request id); request ids,
metrics and OpenAI error rendering come from the same functions Flask's hooks use.

What the lane leaves to Flask: any method or path it does not own, requests carrying an `Origin`
header (browsers: CORS, preflights), and request bodies without a Content-Length (chunked).
"""
from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from http import HTTPStatus
from typing import Any

from flask import Flask, g
from werkzeug.wrappers import Request

from internal.extension.metrics_extension import Metrics
from internal.server.error_handlers import as_custom_exception, openai_error
from internal.server.request_id import request_id_from
from pkg.json_codec import dumps

# A /v1 handler method: takes the request, answers (body, status, headers); the body is bytes or
# an iterator of bytes (a stream, sent chunked).
LaneView = Callable[[Request], tuple[bytes | Iterator[bytes], int, list[tuple[str, str]]]]

_STATUS_LINES = {s.value: f"{s.value} {s.phrase}" for s in HTTPStatus}


class ApiLane:
    """WSGI middleware in front of Flask's `wsgi_app` (installed by `Http`)."""

    def __init__(self, app: Flask, routes: Iterable[tuple[str, str, LaneView]], metrics: Metrics,
                 fallback: Callable[[dict, Callable], Iterable[bytes]], tracer_provider: Any = None) -> None:
        self._app = app
        self._routes = {(method, path): view for method, path, view in routes}
        self._metrics = metrics
        self._fallback = fallback
        # werkzeug's request (header access, body limits, chunked input) without Flask's context
        self._request_class = type("LaneRequest", (Request,),
                                   {"max_content_length": app.config.get("MAX_CONTENT_LENGTH")})
        self._serve: Callable[[dict[str, Any], Callable], Iterable[bytes]] = self._serve_lane
        if tracer_provider is not None:  # tracing on: the server span FlaskInstrumentor gives Flask's routes
            from opentelemetry.instrumentation.wsgi import OpenTelemetryMiddleware

            # lane paths have no parameters, so the path is the route (span name "POST /v1/...")
            self._serve = OpenTelemetryMiddleware(
                self._serve_lane, tracer_provider=tracer_provider,
                request_hook=lambda span, environ: span.set_attribute("http.route", environ.get("PATH_INFO", "")))

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD", "")
        path = environ.get("PATH_INFO", "")
        view = self._routes.get((method, path))
        if view is None or "HTTP_ORIGIN" in environ or (method == "POST" and not environ.get("CONTENT_LENGTH")):
            return self._fallback(environ, start_response)
        return self._serve(environ, start_response)

    def _serve_lane(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        method, path = environ["REQUEST_METHOD"], environ["PATH_INFO"]
        view = self._routes[(method, path)]
        started = time.perf_counter()
        request_id = request_id_from(environ.get("HTTP_X_REQUEST_ID"))
        with self._app.app_context():
            g.request_id = request_id
            try:
                body, status, headers = view(self._request_class(environ))
            except Exception as exc:  # rendered as Flask's error handlers would
                payload, status, extra = openai_error(as_custom_exception(exc, method, path))
                body, headers = dumps(payload), [("Content-Type", "application/json"), *extra.items()]
        headers.append(("X-Request-Id", request_id))
        result: Iterable[bytes] = body  # a stream is sent chunked
        if isinstance(body, bytes):
            headers.append(("Content-Length", str(len(body))))
            result = [body]
        start_response(_STATUS_LINES.get(status) or f"{status} UNKNOWN", headers)
        # like the Flask hook: measured when the response starts (a stream's body follows)
        self._metrics.observe(method, path, status, time.perf_counter() - started)
        return result

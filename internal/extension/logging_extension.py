"""Structured JSON logs to stdout and a rotating file; every line carries the request id, and
the trace and span ids while a span is active (tracing on, docs/operations.md "Observe")."""
from __future__ import annotations

import logging
import sys

from flask import Flask, g, has_app_context
from opentelemetry import trace
from pythonjsonlogger.json import JsonFormatter

from config import Config
from pkg.log_files import SharedRotatingFileHandler


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        # `g` lives in the app context: Flask requests and the API lane both set it there
        record.request_id = getattr(g, "request_id", "-") if has_app_context() else "-"
        # the OTel API alone (no SDK) answers an invalid span: tracing off adds no fields
        span = trace.get_current_span().get_span_context()
        if span.is_valid:
            record.trace_id = format(span.trace_id, "032x")
            record.span_id = format(span.span_id, "016x")
        return True


def init_app(app: Flask, conf: Config) -> None:
    formatter = JsonFormatter("%(asctime)s %(levelname)s %(name)s %(request_id)s %(message)s",
                              rename_fields={"asctime": "time", "levelname": "level", "name": "logger"})
    request_id = RequestIdFilter()
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stdout)]
    conf.LOG_DIR.mkdir(parents=True, exist_ok=True)
    # every gunicorn worker and the Celery worker append to this one file (pkg/log_files.py)
    handlers.append(SharedRotatingFileHandler(conf.LOG_DIR / "llmops.log", maxBytes=conf.LOG_FILE_MAX_BYTES,
                                              backupCount=conf.LOG_FILE_BACKUPS, encoding="utf-8"))
    root = logging.getLogger()
    # Replace (not stack) our handlers when several apps are built in one process (tests).
    for handler in [h for h in root.handlers if getattr(h, "_llmops", False)]:
        root.removeHandler(handler)
    for handler in handlers:
        handler._llmops = True  # type: ignore[attr-defined]
        handler.setFormatter(formatter)
        handler.addFilter(request_id)
        root.addHandler(handler)
    root.setLevel(conf.LOG_LEVEL)
    app.logger.handlers.clear()
    app.logger.propagate = True
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    # httpx logs every request URL at INFO, query string included: third-party keys travel there
    # (e.g. the weather tool's `appid`), so its request lines never reach our logs
    for name in ("httpx", "httpcore"):
        logging.getLogger(name).setLevel(logging.WARNING)

"""Operations surface (no auth): /health, /health/live, /metrics, /openapi.json, /docs."""
from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from html import escape

from flask import Response, current_app, jsonify, request, send_from_directory
from injector import inject
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from swagger_ui_bundle import swagger_ui_path

from config import Config
from internal.exception import ForbiddenException, NotFoundException
from internal.extension.metrics_extension import Metrics
from internal.handler.openapi_spec import build_openapi
from internal.service.health_service import HealthService

SWAGGER_FILES = frozenset({"swagger-ui.css", "swagger-ui-bundle.js", "swagger-ui-standalone-preset.js",
                           "favicon-32x32.png", "favicon-16x16.png"})

DOCS_PAGE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>{title}</title>
  <link rel="stylesheet" href="/docs/swagger-ui.css">
  <link rel="icon" type="image/png" href="/docs/favicon-32x32.png" sizes="32x32">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/docs/swagger-ui-bundle.js"></script>
  <script src="/docs/swagger-ui-standalone-preset.js"></script>
  <script src="/docs/swagger-initializer.js"></script>
</body>
</html>
"""

INITIALIZER = """window.onload = function () {
  window.ui = SwaggerUIBundle({
    url: "/openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    persistAuthorization: true,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
    layout: "StandaloneLayout"
  });
};
"""


@inject
@dataclass
class OpsHandler:
    health_service: HealthService
    metrics: Metrics
    conf: Config

    def health(self):
        """Readiness: database, Redis, Celery broker and upload storage. 503 names the failed checks."""
        report = self.health_service.readiness()
        response = jsonify(report)
        response.status_code = 200 if report["status"] == "ok" else 503
        response.headers["Cache-Control"] = "no-store"
        return response

    def live(self):
        """Liveness: the process answers (no dependency checks)."""
        response = jsonify({"status": "ok"})
        response.headers["Cache-Control"] = "no-store"
        return response

    def metrics_endpoint(self):
        """Prometheus text exposition (summed over gunicorn workers in multiprocess mode)."""
        if self.conf.METRICS_ALLOWED_IPS and not _ip_allowed(request.remote_addr, self.conf.METRICS_ALLOWED_IPS):
            raise ForbiddenException("metrics are not available from this address")
        response = Response(generate_latest(self.metrics.registry))
        response.headers["Content-Type"] = CONTENT_TYPE_LATEST
        response.headers["Cache-Control"] = "no-store"
        return response

    def openapi_json(self):
        """The OpenAPI 3.1 document of every route."""
        spec = current_app.extensions.get("openapi_spec")
        if spec is None:
            spec = current_app.extensions["openapi_spec"] = build_openapi(current_app)
        return jsonify(spec)

    def docs(self):
        """Interactive API docs (Swagger UI, served offline)."""
        return Response(DOCS_PAGE.format(title=escape("LLMOps API docs")), mimetype="text/html")

    def docs_asset(self, filename: str):
        if filename == "swagger-initializer.js":
            return Response(INITIALIZER, mimetype="text/javascript")
        if filename not in SWAGGER_FILES:
            raise NotFoundException()
        response = send_from_directory(str(swagger_ui_path), filename, max_age=86400)
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response


def _ip_allowed(remote: str | None, allowed: list[str]) -> bool:
    try:
        address = ipaddress.ip_address(remote or "")
    except ValueError:
        return False
    for entry in allowed:
        try:
            if address in ipaddress.ip_network(entry, strict=False):
                return True
        except ValueError:
            continue
    return False

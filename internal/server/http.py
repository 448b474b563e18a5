"""The Flask server: configuration, extensions in an explicit order, middleware, routes, errors."""
from __future__ import annotations

from celery import Celery
from flask import Flask, g, request
from flask.sessions import SecureCookieSessionInterface
from flask_login import LoginManager
from flask_migrate import Migrate
from redis import Redis
from werkzeug.middleware.proxy_fix import ProxyFix

from config import Config
from internal.extension import (
    babel_extension,
    celery_extension,
    cors_extension,
    database_extension,
    logging_extension,
    login_extension,
    metrics_extension,
    migrate_extension,
    redis_extension,
    telemetry_extension,
)
from internal.extension.metrics_extension import Metrics
from internal.extension.telemetry_extension import Telemetry
from internal.middleware.middleware import Middleware
from internal.router.router import Router
from internal.server import error_handlers
from internal.server.api_lane import ApiLane
from internal.server.request_id import request_id_from
from internal.server.url_converters import NUL_FREE_CONVERTERS
from pkg.sqlalchemy import SQLAlchemy


class _CookieSessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session, minus the per-request signer and cookie parse when the
    request carries no cookie at all (every API-key call, e.g. /v1: ~20-40 µs of a gateway
    request), and minus reading six cookie settings to save an empty, unmodified session. The
    empty session behaves exactly like the one Flask would have opened (same Vary header)."""

    def open_session(self, app, request):
        if app.secret_key and "HTTP_COOKIE" not in request.environ:
            return self.session_class()
        return super().open_session(app, request)

    def save_session(self, app, session, response):
        if not session and not session.modified:  # nothing to set or delete: skip the cookie settings
            if session.accessed:
                response.vary.add("Cookie")
            return
        super().save_session(app, session, response)


class Http(Flask):
    session_interface = _CookieSessionInterface()

    def ensure_sync(self, func):
        # Flask asks inspect.iscoroutinefunction about every view and request hook on every
        # request (~20 µs of a /v1 call); the answer for a given function never changes.
        try:
            return self._sync_funcs[func]
        except KeyError:
            pass
        except TypeError:  # unhashable callable
            return super().ensure_sync(func)
        if len(self._sync_funcs) > 4096:  # only fresh callables each call would grow it
            self._sync_funcs.clear()
        wrapped = self._sync_funcs[func] = super().ensure_sync(func)
        return wrapped

    def __init__(self, *args, conf: Config, db: SQLAlchemy, migrate: Migrate, redis_client: Redis,
                 celery_app: Celery, login_manager: LoginManager, metrics: Metrics,
                 middleware: Middleware, router: Router, telemetry: Telemetry, **kwargs):
        super().__init__(*args, **kwargs)
        self._sync_funcs: dict = {}
        self.config.from_mapping(
            SECRET_KEY=conf.SECRET_KEY,
            SQLALCHEMY_DATABASE_URI=conf.SQLALCHEMY_DATABASE_URI,
            SQLALCHEMY_ENGINE_OPTIONS=database_extension.engine_options(conf),
            SQLALCHEMY_ECHO=conf.SQLALCHEMY_ECHO,
            MAX_CONTENT_LENGTH=max(conf.UPLOAD_FILE_MAX_BYTES, conf.UPLOAD_IMAGE_MAX_BYTES) + 1024 * 1024,
            JSON_AS_ASCII=False,
        )
        self.json.ensure_ascii = False
        self.json.sort_keys = False
        # Order matters: logging first (others log), db before migrate, login after middleware deps.
        logging_extension.init_app(self, conf)
        self.before_request(_assign_request_id)
        self.after_request(_echo_request_id)
        database_extension.init_app(self, db, conf)
        migrate_extension.init_app(self, db, migrate)
        redis_extension.init_app(self, redis_client)
        celery_extension.init_app(self, celery_app)
        cors_extension.init_app(self, conf)
        babel_extension.init_app(self, conf)
        login_extension.init_app(self, login_manager, middleware)
        metrics_extension.init_app(self, metrics)
        error_handlers.register(self)
        self.url_map.converters.update(NUL_FREE_CONVERTERS)  # before any route is added
        router.register_router(self)
        # tracing (off by default) wraps Flask's dispatch only; the lane traces its own requests
        telemetry_extension.init_app(self, telemetry, db, redis_client, celery_app, conf)
        # the gateway's hot /v1 routes skip Flask's per-request machinery (api_lane.py)
        self.wsgi_app = ApiLane(self, router.lane_routes(), metrics, fallback=self.wsgi_app,
                                tracer_provider=telemetry.provider)
        if conf.TRUST_PROXY_HOPS:
            self.wsgi_app = ProxyFix(self.wsgi_app, x_for=conf.TRUST_PROXY_HOPS, x_proto=conf.TRUST_PROXY_HOPS)


def _assign_request_id() -> None:
    g.request_id = request_id_from(request.headers.get("X-Request-Id"))


def _echo_request_id(response):
    response.headers["X-Request-Id"] = g.get("request_id", "")
    return response

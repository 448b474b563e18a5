"""Composition root: the one Injector, the Http server, and the Celery app bound to it.

`create_app()` builds a fresh, fully wired app (tests call it with their own Config and
override modules). `app` and `celery` are built lazily on first access, so importing this
module has no side effects, while `gunicorn app.http.app:app` and
`celery -A app.http.app:celery` still find them.
"""
from __future__ import annotations

from collections.abc import Iterable

from celery import Celery
from flask_login import LoginManager
from flask_migrate import Migrate
from injector import Injector, Module
from redis import Redis

from app.http.agent_module import AgentModule
from app.http.api_tool_module import ApiToolModule
from app.http.app_module import AppModule
from app.http.knowledge_module import KnowledgeModule
from app.http.language_model_module import LanguageModelModule
from app.http.mcp_module import McpModule
from app.http.module import ExtensionModule
from app.http.sandbox_module import SandboxModule
from app.http.tools_module import ToolsModule
from app.http.workflow_module import WorkflowModule
from config import Config
from internal.cli import account_cli, sandbox_cli
from internal.extension.metrics_extension import Metrics
from internal.extension.telemetry_extension import Telemetry
from internal.middleware.middleware import Middleware
from internal.router.router import Router
from internal.server.http import Http
from pkg.sqlalchemy import SQLAlchemy


def create_app(conf: Config | None = None, modules: Iterable[Module] = ()) -> Http:
    conf = (conf or Config()).resolved()
    # One module per feature; the order only matters for overrides (`modules` come last).
    injector = Injector([
        ExtensionModule(conf),
        LanguageModelModule(conf),
        KnowledgeModule(conf),
        SandboxModule(conf),
        ToolsModule(conf),
        ApiToolModule(),
        McpModule(),
        AppModule(),
        WorkflowModule(conf),  # after AppModule: binds the apps layer's WorkflowDirectory
        AgentModule(conf),
        *modules,
    ])
    app = Http(
        __name__,
        conf=conf,
        db=injector.get(SQLAlchemy),
        migrate=injector.get(Migrate),
        redis_client=injector.get(Redis),
        celery_app=injector.get(Celery),
        login_manager=injector.get(LoginManager),
        metrics=injector.get(Metrics),
        telemetry=injector.get(Telemetry),
        middleware=injector.get(Middleware),
        router=injector.get(Router),
    )
    # Entry points (Celery tasks, CLI commands) resolve services from here; core never does.
    app.extensions["injector"] = injector
    account_cli.init_app(app)  # `flask account create` (CLI commands resolve services from the injector)
    sandbox_cli.init_app(app)  # `flask sandbox check`: the code sandbox's self-test on this machine
    return app


_built: dict[str, object] = {}


def __getattr__(name: str):
    if name in ("app", "celery"):
        if "app" not in _built:
            _built["app"] = create_app()
            _built["celery"] = _built["app"].extensions["celery"]
        return _built[name]
    raise AttributeError(name)

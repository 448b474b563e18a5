"""The fuzz tier's targets: the app in-process (WSGI) on each database, with one account, its
API key and a stored provider credential — the secrets no response may ever echo."""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from flask_migrate import upgrade
from injector import Module, provider, singleton

from app.http.app import create_app
from internal.core.language_model import UsageSink
from internal.service.api_key_service import ApiKeyService
from internal.service.dataset_service import DatasetService
from internal.service.jwt_service import JwtService
from internal.service.language_model_service import LanguageModelService
from pkg.sqlalchemy import SQLAlchemy
from pkg.ssrf import BlockedAddressError, SsrfGuard
from test.conftest import DEFAULT_PASSWORD, make_account
from test.support.environment import create_pg_database, drop_pg_database, make_test_config, pg_url

# A stored provider credential pointing at a closed loopback port: a fuzzed /v1 call that happened
# to name this provider would fail locally, never leave the machine.
PROVIDER_BASE_URL = "http://127.0.0.1:9/v1"
PROVIDER_SECRET = "sk-fuzz-provider-secret-0123456789abcdef"


@dataclass
class FuzzTarget:
    name: str
    app: object
    account_id: object
    jwt: str
    api_key: str
    secrets: tuple[str, ...]
    owned_ids: dict[str, str]  # path parameter -> an id the account owns (a dataset, a spare key)

    def fresh_jwt(self) -> str:
        """A token of the same account, for a route that revokes the one it is called with."""
        with self.app.app_context():
            return self.app.extensions["injector"].get(JwtService).issue(self.account_id).access_token


def _refuse_connect(ip: str, port: int, timeout: float | None):
    raise ConnectionRefusedError(f"fuzz tier: no outbound connection ({ip}:{port})")


def _resolve_nothing(host: str, port: int) -> list[str]:
    raise BlockedAddressError(f"cannot resolve {host}")


class NoOutboundGuard(Module):
    """Routes that connect to a user's URL (adding an MCP server) get a guard whose resolver knows no
    name and whose connector refuses: fuzzed URLs never cause a DNS query or a packet."""

    def __init__(self, allowed: list[str]) -> None:
        self.allowed = allowed

    @singleton
    @provider
    def ssrf_guard(self) -> SsrfGuard:
        return SsrfGuard(self.allowed, resolver=_resolve_nothing, connector=_refuse_connect)


def _settings() -> dict:
    return {"API_KEY_RATE_LIMIT": "1000000/minute", "LLM_RATE_LIMIT_RPM": 1_000_000, "LLM_LOCAL_ENABLED": False,
            "SSRF_ALLOWED_HOSTS": ["127.0.0.1:9"]}


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def fuzz_target(request, tmp_path_factory) -> Iterator[FuzzTarget]:
    instance = tmp_path_factory.mktemp(f"fuzz-{request.param}")
    database = None
    if request.param == "postgresql":
        database = create_pg_database("fuzz")
        # In-process state, not the session's Redis databases: thousands of generated wrong logins
        # from 127.0.0.1 would trip the per-IP login throttle of every app sharing that database.
        conf = make_test_config(instance, SQLALCHEMY_DATABASE_URI=pg_url(database), **_settings())
    else:  # the embedded default: SQLite, in-process state
        conf = make_test_config(instance, **_settings())
    app = create_app(conf, modules=[NoOutboundGuard(conf.SSRF_ALLOWED_HOSTS)])
    injector = app.extensions["injector"]
    try:
        with app.app_context():
            upgrade()
        app.extensions["redis"].flushdb()
        account = make_account(app)
        with app.app_context():
            _, api_key = injector.get(ApiKeyService).create_api_key(account.account_id, True, "fuzz")
            spare, _ = injector.get(ApiKeyService).create_api_key(account.account_id, True, "spare")
            injector.get(LanguageModelService).set_credential(
                account.account_id, "openai_compatible", {"base_url": PROVIDER_BASE_URL, "api_key": PROVIDER_SECRET})
            dataset = injector.get(DatasetService).create_dataset(account.account_id, "fuzz dataset", "", "")
        yield FuzzTarget(request.param, app, account.account_id, account.token, api_key,
                         (api_key, account.token, DEFAULT_PASSWORD, PROVIDER_SECRET),
                         {"dataset_id": str(dataset.id), "api_key_id": str(spare.id)})
    finally:
        injector.get(UsageSink).close()  # write its usage rows while the database exists
        with app.app_context():
            injector.get(SQLAlchemy).engine.dispose()
        if database is not None:
            drop_pg_database(database)

"""e2e fixtures of the model layer: the fake OpenAI upstream as its own process, and our
production server (gunicorn) configured with a router YAML that points at it."""
from __future__ import annotations

import uuid
from dataclasses import dataclass

import httpx
import pytest
from flask_migrate import upgrade

from app.http.app import create_app
from internal.service.api_key_service import ApiKeyService
from pkg.sqlalchemy import SQLAlchemy
from test.conftest import make_account
from test.support.environment import (
    config_env,
    create_pg_database,
    drop_pg_database,
    free_port,
    make_test_config,
    pg_url,
    redis_url,
)
from test.support.fake_openai.process import start_fake_upstream
from test.support.processes import start_server

RATE_LIMIT_RPM = 25


ROUTER_YAML = """
settings:
  num_retries: 1
  retry_backoff: 0.01
  retry_backoff_max: 0.05
  max_retry_after: 2
  allowed_fails: 3
  cooldown_seconds: 30
  timeout: 10
model_groups:
  fake-gpt:
    deployments:
      - {{id: fake-primary, provider: openai_compatible, model: fake-gpt, api_base: "{base}/v1", api_key: sk-upstream}}
  fake-instruct:
    model_type: completion
    deployments:
      - {{id: fake-instruct, provider: openai_compatible, model: fake-instruct, api_base: "{base}/v1"}}
  fake-embed:
    model_type: embedding
    deployments:
      - {{id: fake-embed, provider: openai_compatible, model: fake-embed, api_base: "{base}/v1"}}
  fallback-model:
    settings: {{num_retries: 0, allowed_fails: 100}}
    deployments:
      - {{id: fb-primary, provider: openai_compatible, model: fb-primary-fail-500, api_base: "{base}/v1", priority: 0}}
      - {{id: fb-secondary, provider: openai_compatible, model: fb-secondary, api_base: "{base}/v1", priority: 1}}
  cooldown-model:
    settings: {{num_retries: 0, allowed_fails: 2, cooldown_seconds: 300}}
    deployments:
      - {{id: cd-bad, provider: openai_compatible, model: cd-bad-fail-503, api_base: "{base}/v1", priority: 0}}
      - {{id: cd-good, provider: openai_compatible, model: cd-good, api_base: "{base}/v1", priority: 1}}
  retry-model:
    settings: {{num_retries: 2, allowed_fails: 100}}
    deployments:
      - {{id: retry-one, provider: openai_compatible, model: retry-flaky-1-fail-429-retry-after-1, api_base: "{base}/v1"}}
  broken-model:
    settings: {{num_retries: 0, allowed_fails: 1000}}
    deployments:
      - {{id: broken, provider: openai_compatible, model: broken-fail-500, api_base: "{base}/v1"}}
  upstream-429:
    settings: {{num_retries: 0, allowed_fails: 1000}}
    deployments:
      - {{id: up429, provider: openai_compatible, model: up-fail-429-retry-after-30, api_base: "{base}/v1"}}
  drop-model:
    settings: {{allowed_fails: 1000}}
    deployments:
      - {{id: dropper, provider: openai_compatible, model: drop-after-3-words-12, api_base: "{base}/v1"}}
"""


@dataclass
class GatewayServer:
    url: str
    upstream: str
    app: object
    account_id: uuid.UUID
    key_ids: dict

    def new_key(self) -> str:
        """A fresh API key (own rate-limit counters) for the test account."""
        with self.app.app_context():
            row, raw = self.app.extensions["injector"].get(ApiKeyService).create_api_key(self.account_id, True, "e2e")
        self.key_ids[raw] = str(row.id)
        return raw


@pytest.fixture(scope="session")
def gateway_server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("lm-e2e")
    upstream, upstream_url = start_fake_upstream(tmp / "fake-upstream.log")
    router_yaml = tmp / "router.yaml"
    router_yaml.write_text(ROUTER_YAML.format(base=upstream_url))
    database = create_pg_database("lm_e2e")
    conf = make_test_config(tmp / "instance", SQLALCHEMY_DATABASE_URI=pg_url(database), REDIS_URL=redis_url(2),
                            CELERY_BROKER_URL=redis_url(2), API_KEY_RATE_LIMIT="100000/minute")
    fixture_app = create_app(conf)
    with fixture_app.app_context():
        upgrade()
    fixture_app.extensions["redis"].flushdb()
    account = make_account(fixture_app)
    env = config_env(conf)
    env.update({"LLM_ROUTER_CONFIG": str(router_yaml), "LLM_RATE_LIMIT_RPM": str(RATE_LIMIT_RPM),
                "LLM_USAGE_FLUSH_INTERVAL": "0.2", "LLM_LOCAL_THREADS": "2"})
    port = free_port()
    server = start_server(env, port, tmp / "server.log")
    try:
        yield GatewayServer(f"http://127.0.0.1:{port}", upstream_url, fixture_app, account.account_id, {})
    finally:
        server.stop()
        upstream.stop()
        with fixture_app.app_context():
            fixture_app.extensions["injector"].get(SQLAlchemy).engine.dispose()
        drop_pg_database(database)


@pytest.fixture
def api_key(gateway_server) -> str:
    return gateway_server.new_key()


@pytest.fixture
def oai(gateway_server, api_key):
    from openai import OpenAI

    return OpenAI(base_url=gateway_server.url + "/v1", api_key=api_key, max_retries=0, timeout=60)


def upstream_stats(gateway_server) -> dict:
    return httpx.get(gateway_server.upstream + "/_stats", timeout=5).json()["by_model"]

"""e2e fixtures of the model layer: the fake OpenAI upstream as its own process, and our server
(gunicorn) configured with a router YAML that points at it, on both layouts: production
(PostgreSQL + Redis, 2 workers) and the embedded default (SQLite, in-process state, 1 worker)."""
from __future__ import annotations

import uuid
from dataclasses import dataclass

import httpx
import pytest

from internal.service.api_key_service import ApiKeyService
from test.support.fake_openai.process import start_fake_upstream
from test.support.live_stack import LAYOUTS, live_stack

from .task_aware_groups import TASK_AWARE_YAML

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
  malformed-model:
    settings: {{num_retries: 0, allowed_fails: 1000}}
    deployments:
      - {{id: malformed, provider: openai_compatible, model: bad-malformed, api_base: "{base}/v1"}}
  drop-model:
    settings: {{allowed_fails: 1000}}
    deployments:
      - {{id: dropper, provider: openai_compatible, model: drop-after-3-words-12, api_base: "{base}/v1"}}
""" + TASK_AWARE_YAML


@dataclass
class GatewayServer:
    url: str
    upstream: str
    app: object
    account_id: uuid.UUID
    key_ids: dict
    console_headers: dict  # the account's JWT, for console routes on the server
    layout: str

    def new_key(self) -> str:
        """A fresh API key (own rate-limit counters) for the test account."""
        with self.app.app_context():
            row, raw = self.app.extensions["injector"].get(ApiKeyService).create_api_key(self.account_id, True, "e2e")
        self.key_ids[raw] = str(row.id)
        return raw


@pytest.fixture(scope="session", params=LAYOUTS)
def gateway_server(request, tmp_path_factory):
    tmp = tmp_path_factory.mktemp(f"lm-e2e-{request.param}")
    upstream, upstream_url = start_fake_upstream(tmp / "fake-upstream.log")
    router_yaml = tmp / "router.yaml"
    router_yaml.write_text(ROUTER_YAML.format(base=upstream_url))
    env = {"LLM_ROUTER_CONFIG": str(router_yaml), "LLM_RATE_LIMIT_RPM": str(RATE_LIMIT_RPM),
           "LLM_USAGE_FLUSH_INTERVAL": "0.2", "LLM_LOCAL_THREADS": "2"}
    try:
        # 127.0.0.1 allow-listed: accounts' own credentials point at the fake upstream there
        with live_stack(tmp, "lm_e2e", 3, env, layout=request.param, SSRF_ALLOWED_HOSTS=["127.0.0.1"]) as stack:
            yield GatewayServer(stack.url, upstream_url, stack.app, stack.account.account_id, {},
                                stack.account.headers, stack.layout)
    finally:
        upstream.stop()


@pytest.fixture
def api_key(gateway_server) -> str:
    return gateway_server.new_key()


@pytest.fixture
def oai(gateway_server, api_key):
    from openai import OpenAI

    return OpenAI(base_url=gateway_server.url + "/v1", api_key=api_key, max_retries=0, timeout=60)


def upstream_stats(gateway_server) -> dict:
    return httpx.get(gateway_server.upstream + "/_stats", timeout=5).json()["by_model"]

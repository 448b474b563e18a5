"""Router configuration: model groups of deployments, loaded from YAML.

```yaml
settings:            # defaults for every group (all optional)
  num_retries: 2     # retries on the same deployment for 429/5xx/timeouts
  retry_backoff: 0.2 # first backoff in seconds (exponential, jittered)
  retry_backoff_max: 2
  max_retry_after: 5 # honour an upstream Retry-After up to this; longer -> next deployment
  allowed_fails: 3   # consecutive failures (within failure_window) before cooldown
  failure_window: 60
  cooldown_seconds: 30
  timeout: 60        # per-request timeout (seconds) unless a deployment sets its own
providers:           # credentials for implicit groups `<provider>/<model>` of the catalog
  openai: {api_key: ${OPENAI_API_KEY}, api_base: https://api.openai.com/v1}
model_groups:
  gpt-4o-mini:
    strategy: priority        # priority | weighted | lowest_latency | lowest_cost | task_aware
    model_type: chat          # chat | completion | embedding
    deployments:
      - {id: oai, provider: openai, model: gpt-4o-mini, priority: 0}
      - {id: azure, provider: azure_openai, model: my-deployment, api_base: ..., api_key: ..., priority: 1}
```
`${VAR}` and `${VAR:-default}` are expanded from the environment when the file is loaded.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field, fields, replace
from typing import Any

import yaml

from .deployment import Deployment
from .entities import Pricing
from .routing.capabilities import FEATURE_ALIASES, FEATURE_NAMES
from .routing.task_classes import TASK_CLASSES
from .routing.weights import AdaptiveOptions

STRATEGIES = ("priority", "weighted", "lowest_latency", "lowest_cost", "task_aware")
_ENV = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


@dataclass
class RouterSettings:
    num_retries: int = 2
    retry_backoff: float = 0.2
    retry_backoff_max: float = 2.0
    max_retry_after: float = 5.0
    allowed_fails: int = 3
    failure_window: float = 60.0
    cooldown_seconds: float = 30.0
    timeout: float = 60.0

    def merged(self, overrides: dict[str, Any] | None) -> RouterSettings:
        if not overrides:
            return self
        known = {f.name for f in fields(self)}
        return replace(self, **{k: v for k, v in overrides.items() if k in known})


@dataclass
class ModelGroup:
    name: str
    deployments: list[Deployment]
    strategy: str = "priority"
    model_type: str = "chat"
    settings: RouterSettings = field(default_factory=RouterSettings)
    public: bool = True  # listed by GET /v1/models
    owned_by: str = "llmops"
    routing: AdaptiveOptions = field(default_factory=AdaptiveOptions)  # strategy=task_aware


@dataclass
class RouterConfig:
    settings: RouterSettings = field(default_factory=RouterSettings)
    providers: dict[str, dict[str, Any]] = field(default_factory=dict)
    groups: dict[str, ModelGroup] = field(default_factory=dict)


class RouterConfigError(ValueError):
    pass


def expand_env(value: Any) -> Any:
    if isinstance(value, str):
        return _ENV.sub(lambda m: os.environ.get(m.group(1), m.group(2) if m.group(2) is not None else ""), value)
    if isinstance(value, list):
        return [expand_env(v) for v in value]
    if isinstance(value, dict):
        return {k: expand_env(v) for k, v in value.items()}
    return value


def _tasks(raw: Any, where: str) -> dict[str, float]:
    """`tasks: [code, chat]` (weight 1 each) or `tasks: {code: 3, chat: 1}`."""
    if raw is None:
        return {}
    items = {str(t): 1.0 for t in raw} if isinstance(raw, list) else raw
    if not isinstance(items, dict):
        raise RouterConfigError(f"{where}: tasks must be a list of task classes or a mapping class -> weight")
    out = {}
    for t, w in items.items():
        if t not in TASK_CLASSES:
            raise RouterConfigError(f"{where}: unknown task class {t!r} (use {', '.join(TASK_CLASSES)})")
        if isinstance(w, bool) or not isinstance(w, (int, float)) or w < 0:
            raise RouterConfigError(f"{where}: the weight of task {t!r} must be a non-negative number")
        out[str(t)] = float(w)
    return out


def _features(raw: Any, where: str) -> tuple[str, ...] | None:
    if raw is None:
        return None
    if not isinstance(raw, list):
        raise RouterConfigError(f"{where}: features must be a list")
    out = []
    for f in raw:
        name = FEATURE_ALIASES.get(str(f), str(f))
        if name not in FEATURE_NAMES:
            raise RouterConfigError(f"{where}: unknown feature {f!r} (use {', '.join(FEATURE_NAMES)})")
        out.append(name)
    return tuple(out)


def _context_window(raw: Any, where: str) -> int | None:
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, int) or raw < 0:
        raise RouterConfigError(f"{where}: context_window must be a non-negative integer")
    return raw


def _deployment(raw: dict[str, Any], group: str, index: int, settings: RouterSettings,
                protocols: dict[str, str]) -> Deployment:
    if not isinstance(raw, dict) or not raw.get("provider"):
        raise RouterConfigError(f"group {group!r}: deployment #{index} needs a provider")
    provider = str(raw["provider"])
    pricing = raw.get("pricing")
    where = f"group {group!r}: deployment #{index}"
    return Deployment(
        id=str(raw.get("id") or f"{group}#{index}"),
        provider=provider,
        model=str(raw.get("model") or group),
        protocol=str(raw.get("protocol") or protocols.get(provider, "openai")),
        api_base=raw.get("api_base") or raw.get("base_url") or None,
        api_key=raw.get("api_key") or None,
        api_version=raw.get("api_version") or None,
        headers={str(k): str(v) for k, v in (raw.get("headers") or {}).items()},
        timeout=float(raw.get("timeout") or settings.timeout),
        connect_timeout=float(raw.get("connect_timeout") or 5.0),
        priority=int(raw.get("priority") or 0),
        weight=float(raw.get("weight") if raw.get("weight") is not None else 1.0),
        pricing=Pricing(**pricing) if isinstance(pricing, dict) else None,
        extra_body=dict(raw.get("extra_body") or {}),
        tasks=_tasks(raw.get("tasks"), where),
        features=_features(raw.get("features"), where),
        context_window=_context_window(raw.get("context_window"), where),
    )


def parse_router_config(data: dict[str, Any] | None, protocols: dict[str, str] | None = None) -> RouterConfig:
    """`protocols` maps provider name -> protocol (from the catalog)."""
    data = expand_env(data or {})
    protocols = protocols or {}
    settings = RouterSettings().merged(data.get("settings"))
    providers = {str(k): dict(v or {}) for k, v in (data.get("providers") or {}).items()}
    groups: dict[str, ModelGroup] = {}
    seen_ids: set[str] = set()
    for name, raw in (data.get("model_groups") or {}).items():
        raw = raw or {}
        strategy = raw.get("strategy", "priority")
        if strategy not in STRATEGIES:
            raise RouterConfigError(f"group {name!r}: unknown strategy {strategy!r} (use one of {STRATEGIES})")
        gsettings = settings.merged(raw.get("settings"))
        deps_raw = raw.get("deployments") or []
        if not deps_raw:
            raise RouterConfigError(f"group {name!r}: no deployments")
        deps = []
        for i, d in enumerate(deps_raw):
            dep = _deployment(d, str(name), i, gsettings, protocols)
            if dep.id in seen_ids:
                raise RouterConfigError(f"deployment id {dep.id!r} is used twice")
            seen_ids.add(dep.id)
            deps.append(dep)
        if raw.get("routing") is not None and strategy != "task_aware":
            raise RouterConfigError(f"group {name!r}: `routing` options need strategy task_aware")
        try:
            routing = AdaptiveOptions.parse(raw.get("routing"), f"group {name!r}")
        except ValueError as e:
            raise RouterConfigError(str(e)) from None
        groups[str(name)] = ModelGroup(
            name=str(name), deployments=deps, strategy=strategy, model_type=raw.get("model_type", "chat"),
            settings=gsettings, public=bool(raw.get("public", True)), owned_by=str(raw.get("owned_by", "llmops")),
            routing=routing,
        )
    return RouterConfig(settings=settings, providers=providers, groups=groups)


def load_router_config(path: str | None, protocols: dict[str, str] | None = None) -> RouterConfig:
    if not path or not os.path.isfile(path):
        return parse_router_config({}, protocols)
    with open(path, encoding="utf-8") as f:
        return parse_router_config(yaml.safe_load(f) or {}, protocols)


# Provider credentials picked up from conventional environment variables when the router YAML
# does not configure the provider itself: provider -> {credential field: env var}.
ENV_CREDENTIALS: dict[str, dict[str, str]] = {
    "openai": {"api_key": "OPENAI_API_KEY", "api_base": "OPENAI_BASE_URL"},
    "azure_openai": {"api_key": "AZURE_OPENAI_API_KEY", "api_base": "AZURE_OPENAI_ENDPOINT",
                     "api_version": "OPENAI_API_VERSION"},
    "anthropic": {"api_key": "ANTHROPIC_API_KEY", "api_base": "ANTHROPIC_BASE_URL"},
    "deepseek": {"api_key": "DEEPSEEK_API_KEY"},
    "moonshot": {"api_key": "MOONSHOT_API_KEY"},
    "zhipu": {"api_key": "ZHIPUAI_API_KEY"},
    "tongyi": {"api_key": "DASHSCOPE_API_KEY"},
    "openrouter": {"api_key": "OPENROUTER_API_KEY"},
    "ollama": {"api_base": "OLLAMA_BASE_URL"},
    "vllm": {"api_base": "VLLM_BASE_URL", "api_key": "VLLM_API_KEY"},
}
_ENV_REQUIRED = {"ollama": "api_base", "vllm": "api_base", "azure_openai": "api_base"}


def apply_env_credentials(config: RouterConfig, environ: dict[str, str]) -> RouterConfig:
    """Fill `config.providers` from the environment for providers the YAML leaves out."""
    for provider, fields_ in ENV_CREDENTIALS.items():
        if provider in config.providers:
            continue
        creds = {name: environ[var] for name, var in fields_.items() if environ.get(var)}
        required = _ENV_REQUIRED.get(provider, "api_key")
        if creds.get(required):
            config.providers[provider] = creds
    return config

"""The model router: one mechanism used by the /v1 gateway and by apps, agents and workflows.

A requested model name resolves to a `ModelGroup` (explicit YAML group, or an implicit
single-deployment group for a catalog model whose provider has credentials, or the built-in
`local` model). The group's strategy orders its deployments; deployments cooling down are
skipped; each deployment gets `num_retries` retries with exponential backoff on retryable
errors (429/5xx/timeouts/connection errors), honouring `Retry-After` up to `max_retry_after`
(longer waits move on to the next deployment). `allowed_fails` consecutive failures put a
deployment in cooldown for `cooldown_seconds`. Client errors (400/404) are not retried and
do not fall back.

Strategy `task_aware` (routing/) also takes the request into account: `call`/`open_stream` get
its `RouteRequest` (requirements and task class), and every outcome of such a group feeds the
adaptive weights.
"""
from __future__ import annotations

import functools
import hashlib
import random
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt

from .catalog import LanguageModelCatalog
from .client_factory import client_for_protocol
from .clients import ProviderClient
from .deployment import Deployment
from .entities import Pricing
from .errors import (
    LLMError,
    ModelNotFoundError,
    NoDeploymentAvailableError,
    UpstreamError,
)
from .router_config import ModelGroup, RouterConfig, RouterSettings
from .routing import TASK_AWARE, RouteRequest, RouteStatsStore, TaskAwareStrategy
from .state import DeploymentStateStore, InMemoryDeploymentStateStore, LatencyTracker

_DEFAULT_REQUEST = RouteRequest()

LOCAL_MODEL = "smollm2-135m-instruct"


@dataclass
class RouteResult:
    data: Any
    deployment: Deployment
    group: ModelGroup
    attempts: int
    latency_ms: float


@dataclass
class StreamRoute:
    """An opened stream: the first chunk was already received from `deployment`."""

    deployment: Deployment
    group: ModelGroup
    attempts: int
    first: dict[str, Any] | None
    rest: Iterator[dict[str, Any]]
    ttft_ms: float
    started: float = field(default_factory=time.perf_counter)


def _account_state_key(dep_id: str, creds: dict[str, Any], owner: str | None) -> str:
    """State key of a deployment built from an account's credentials: the owner plus a digest of
    the endpoint and credential (no secret in a Redis key name)."""
    endpoint = "\x1f".join(str(creds.get(k) or "") for k in ("api_base", "base_url", "api_key", "api_version",
                                                               "deployment"))
    digest = hashlib.sha256(endpoint.encode()).hexdigest()[:16]
    return f"acct:{owner or '-'}:{dep_id}@{digest}"


class _MoveOn(Exception):
    """Internal: stop retrying this deployment and try the next one."""


class Router:
    def __init__(
        self,
        config: RouterConfig,
        catalog: LanguageModelCatalog,
        state: DeploymentStateStore | None = None,
        clients: dict[str, ProviderClient] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
        local_enabled: bool = True,
        url_guard: Any = None,
        route_stats: RouteStatsStore | None = None,
        clock: Callable[[], float] = time.time,
        timer: Callable[[], float] = time.perf_counter,
        http_pool: Any = None,
    ) -> None:
        self.url_guard = url_guard
        self.http_pool = http_pool  # None: the process's shared pool (tracing wraps it)
        self.config = config
        self.catalog = catalog
        self.state = state or InMemoryDeploymentStateStore()
        self.latency = LatencyTracker()
        self._clients = dict(clients or {})
        self._clients_lock = threading.Lock()
        self._sleep = sleep
        self._rng = rng or random.Random()
        self.local_enabled = local_enabled
        self._implicit: dict[tuple, ModelGroup] = {}
        self._timer = timer  # measures call latency (tests inject a fake one)
        # wall clock: adaptive stats are shared between processes (Redis)
        self.task_aware = TaskAwareStrategy(catalog, self.pricing_of, route_stats, self._rng, clock)

    # ------------------------------------------------------------------ resolution ----------
    def client(self, protocol: str) -> ProviderClient:
        c = self._clients.get(protocol)
        if c is None:
            with self._clients_lock:
                c = self._clients.get(protocol)
                if c is None:
                    c = self._clients[protocol] = client_for_protocol(protocol, self.url_guard, self.http_pool)
        return c

    def _provider_credentials(self, provider: str, overrides: dict[str, dict[str, Any]] | None) -> dict | None:
        if overrides and provider in overrides:
            return {**overrides[provider], "_guarded": True}
        return self.config.providers.get(provider)

    def resolve(self, model: str, credentials: dict[str, dict[str, Any]] | None = None,
                owner: str | None = None) -> ModelGroup:
        """Model name -> group. `credentials` are per-account provider credentials (override config);
        `owner` (their account) scopes the state of deployments built from them."""
        group = self.config.groups.get(model)
        if group is not None:
            return group
        found = self.catalog.find_model(model)
        provider_name: str | None = None
        model_name = model
        if found:
            provider_name, model_name = found[0].name, found[1].model_name
        elif "/" in model:
            head, _, tail = model.partition("/")
            p = self.catalog.get_provider(head)
            if p and p.provider_entity.customizable_models:
                provider_name, model_name = head, tail
        if provider_name is None:
            raise ModelNotFoundError(f"The model `{model}` does not exist or you do not have access to it.",
                                     param="model")
        provider = self.catalog.get_provider(provider_name)
        assert provider is not None
        protocol = provider.provider_entity.protocol
        if protocol == "local":
            if not self.local_enabled:
                raise ModelNotFoundError(f"The model `{model}` is not enabled on this server.", param="model")
            creds: dict[str, Any] = {}
        else:
            creds = self._provider_credentials(provider_name, credentials) or {}
            if not creds:
                raise ModelNotFoundError(
                    f"The model `{model}` is not available: provider `{provider_name}` has no credentials configured.",
                    param="model")
        key = (model, provider_name, model_name, tuple(sorted((k, str(v)) for k, v in creds.items())),
               owner if creds.get("_guarded") else None)
        group = self._implicit.get(key)
        if group is None:
            entity = provider.get_model_entity(model_name)
            settings = self.config.settings
            dep_id = f"{provider_name}/{model_name}"
            dep = Deployment(
                id=dep_id,
                state_key=_account_state_key(dep_id, creds, owner) if creds.get("_guarded") else dep_id,
                provider=provider_name,
                # the real name upstream even when the app stored the console id (console_model_id)
                model=str(creds.get("deployment") or (entity.model_name if entity else model_name)),
                protocol=protocol,
                api_base=creds.get("api_base") or creds.get("base_url") or provider.provider_entity.default_api_base,
                api_key=creds.get("api_key"),
                api_version=creds.get("api_version"),
                timeout=float(creds.get("timeout") or settings.timeout),
                pricing=entity.pricing if entity else None,
                guarded=bool(creds.get("_guarded")),
            )
            group = ModelGroup(name=model, deployments=[dep],
                               model_type=entity.model_type.value if entity else "chat", settings=settings,
                               public=False)
            if len(self._implicit) > 10_000:
                self._implicit.clear()
            self._implicit[key] = group
        return group

    def public_groups(self) -> list[ModelGroup]:
        groups = [g for g in self.config.groups.values() if g.public]
        if self.local_enabled and LOCAL_MODEL not in self.config.groups:
            groups.append(self.resolve(LOCAL_MODEL))
        return groups

    # ------------------------------------------------------------------ ordering ------------
    def pricing_of(self, dep: Deployment) -> Pricing | None:
        if dep.pricing is not None:
            return dep.pricing
        entity = self.catalog.get_model(dep.provider, dep.model)
        return entity.pricing if entity else None

    def order(self, group: ModelGroup, request: RouteRequest | None = None) -> list[Deployment]:
        deps = group.deployments
        s = group.strategy
        if s == TASK_AWARE:  # even one deployment: its requirements are checked
            return self.task_aware.order(group.name, deps, request or _DEFAULT_REQUEST, group.routing)
        if len(deps) == 1:
            return list(deps)
        if s == "weighted":
            pool = [d for d in deps if d.weight > 0]
            out = []
            while pool:
                total = sum(d.weight for d in pool)
                r = self._rng.random() * total
                acc = 0.0
                for i, d in enumerate(pool):
                    acc += d.weight
                    if r < acc or i == len(pool) - 1:
                        out.append(pool.pop(i))
                        break
            return out + [d for d in deps if d.weight <= 0]
        if s == "lowest_latency":
            # unknown latency sorts first so every deployment gets measured
            return sorted(deps, key=lambda d: (self.latency.latency(d.state_key) or 0.0, d.priority))
        if s == "lowest_cost":
            def cost(d: Deployment) -> float:
                p = self.pricing_of(d)
                return (p.input + p.output) / max(1, p.unit) if p else float("inf")

            return sorted(deps, key=lambda d: (cost(d), d.priority))
        return sorted(deps, key=lambda d: d.priority)

    def available(self, group: ModelGroup, request: RouteRequest | None = None) -> list[Deployment]:
        ordered = self.order(group, request)
        cool = self.state.cooldowns([d.state_key for d in ordered])
        ready = [d for d in ordered if cool.get(d.state_key, 0.0) <= 0.0]
        if not ready:
            wait = min(cool.values()) if cool else group.settings.cooldown_seconds
            raise NoDeploymentAvailableError(
                f"All deployments of `{group.name}` are cooling down after repeated failures; retry later.",
                retry_after=wait)
        return ready

    # ------------------------------------------------------------------ failure bookkeeping --
    def _failed(self, dep: Deployment, settings: RouterSettings, err: LLMError,
                group: ModelGroup | None = None) -> bool:
        """Record a failure; return True if the deployment just went into cooldown."""
        # the code only: health is shown to every key holder, an upstream message may carry anything
        self.latency.observe_failure(dep.state_key, str(err.code))
        if not err.retryable and not isinstance(err, UpstreamError):
            return False
        if group is not None and group.strategy == TASK_AWARE:
            self.task_aware.observe(group.name, dep, None, True, group.routing)
        n = self.state.record_failure(dep.state_key, settings.failure_window)
        if n >= settings.allowed_fails:
            self.state.set_cooldown(dep.state_key, settings.cooldown_seconds)
            return True
        return False

    def _wait(self, settings: RouterSettings) -> Callable[[RetryCallState], float]:
        def wait(rs: RetryCallState) -> float:
            err = rs.outcome.exception() if rs.outcome else None
            ra = getattr(err, "retry_after", None)
            if ra is not None:
                return float(ra)
            # attempt_number counts the retries tenacity runs (the first try happened before it)
            backoff = min(settings.retry_backoff_max, settings.retry_backoff * (2 ** rs.attempt_number))
            return backoff * (0.5 + self._rng.random() / 2)
        return wait

    def _first_wait(self, settings: RouterSettings, err: LLMError) -> float:
        if err.retry_after is not None:
            return float(err.retry_after)
        return settings.retry_backoff * (0.5 + self._rng.random() / 2)

    def _attempts(self, dep: Deployment, settings: RouterSettings, call: Callable[[], Any],
                  counter: list[int], group: ModelGroup | None = None) -> Any:
        """Run `call` with retries on one deployment. Raises the last LLMError or _MoveOn."""

        def guarded() -> Any:
            counter[0] += 1
            try:
                return call()
            except LLMError as e:
                e.deployment_id = e.deployment_id or dep.id
                cooled = self._failed(dep, settings, e, group)
                if cooled:
                    raise _MoveOn(e) from e
                if e.retryable and e.retry_after is not None and e.retry_after > settings.max_retry_after:
                    raise _MoveOn(e) from e
                raise

        # fast path: the first attempt runs without building a retry controller
        try:
            return guarded()
        except LLMError as e:
            if not e.retryable or settings.num_retries <= 0:
                raise
            first_wait = self._first_wait(settings, e)
        self._sleep(first_wait)
        retrying = Retrying(
            stop=stop_after_attempt(settings.num_retries),
            retry=retry_if_exception(lambda e: isinstance(e, LLMError) and e.retryable),
            wait=self._wait(settings),
            sleep=self._sleep,
            reraise=True,
        )
        return retrying(guarded)

    # ------------------------------------------------------------------ execution -----------
    def call(self, group: ModelGroup, fn: Callable[[ProviderClient, Deployment], Any],
             request: RouteRequest | None = None) -> RouteResult:
        """Blocking call through the group with retries and fallbacks. `request` describes the
        request for strategy task_aware (requirements, task class)."""
        settings = group.settings
        last: LLMError | None = None
        counter = [0]
        adaptive = group if group.strategy == TASK_AWARE else None
        ready = self.available(group, request)
        for dep in ready:
            client = self.client(dep.protocol)
            t0 = self._timer()
            try:
                data = self._attempts(dep, settings, functools.partial(fn, client, dep), counter, adaptive)
            except _MoveOn as m:
                last = m.args[0]
                continue
            except LLMError as e:
                last = e
                if not e.retryable and not isinstance(e, UpstreamError):
                    raise  # client error: same answer from any deployment
                continue
            latency = (self._timer() - t0) * 1000
            self.latency.observe_success(dep.state_key, latency)
            self.state.record_success(dep.state_key)
            if adaptive is not None:
                decision = self.task_aware.decided(group.name, request or _DEFAULT_REQUEST, ready[0], dep)
                self.task_aware.observe(group.name, dep, latency, False, group.routing, decision)
            return RouteResult(data, dep, group, counter[0], latency)
        assert last is not None
        if adaptive is not None:
            self.task_aware.stats.record_decision(
                group.name, self.task_aware.decided(group.name, request or _DEFAULT_REQUEST, ready[0], None))
        raise last

    def open_stream(self, group: ModelGroup,
                    fn: Callable[[ProviderClient, Deployment], Iterator[dict[str, Any]]],
                    check_first: Callable[[Any, Deployment], None] | None = None,
                    request: RouteRequest | None = None) -> StreamRoute:
        """Open a stream and receive its first chunk, with the same retries and fallbacks as `call`.

        `check_first(chunk, deployment)` may reject the first chunk (raise an LLMError): that
        attempt then fails like an upstream error, before anything was sent to the client.
        Once the first chunk is in hand the stream is committed to that deployment: a later break
        is reported with `stream_failed()` and surfaces to the client as an error event.
        """
        def opener(client: ProviderClient, dep: Deployment) -> tuple[dict | None, Iterator[dict]]:
            it = iter(fn(client, dep))
            try:
                first = next(it)
            except StopIteration:
                first = None
            if first is not None and check_first is not None:
                try:
                    check_first(first, dep)
                except LLMError:
                    close = getattr(it, "close", None)
                    if close is not None:
                        close()
                    raise
            return first, it

        t0 = time.perf_counter()
        res = self.call(group, opener, request)
        first, rest = res.data
        return StreamRoute(res.deployment, group, res.attempts, first, rest,
                           ttft_ms=(time.perf_counter() - t0) * 1000, started=t0)

    def stream_failed(self, route: StreamRoute, err: LLMError) -> None:
        self._failed(route.deployment, route.group.settings, err, route.group)

    # ------------------------------------------------------------------ health --------------
    def health(self, group: ModelGroup) -> dict[str, Any]:
        cool = self.state.cooldowns([d.state_key for d in group.deployments])
        deps = []
        for d in group.deployments:
            st = self.latency.stats(d.state_key)
            remaining = cool.get(d.state_key, 0.0)
            deps.append({
                **d.public_dict(),
                "status": "cooldown" if remaining > 0 else "healthy",
                "cooldown_remaining_seconds": round(remaining, 3),
                "consecutive_failures": self.state.failures(d.state_key),
                **st,
            })
        healthy = sum(1 for x in deps if x["status"] == "healthy")
        out = {
            "id": group.name,
            "object": "model.health",
            "strategy": group.strategy,
            "status": "healthy" if healthy == len(deps) else ("degraded" if healthy else "unavailable"),
            "healthy_deployments": healthy,
            "total_deployments": len(deps),
            "deployments": deps,
        }
        if group.strategy == TASK_AWARE:
            summary, sections = self.task_aware.health(group.name, group.deployments, group.routing)
            out["routing"] = summary
            for d, sec in zip(deps, sections, strict=True):
                d["routing"] = sec
        return out

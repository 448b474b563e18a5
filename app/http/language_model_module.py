"""Injector bindings of the model layer: catalog, router, gateway, rate limiter, usage sink.

Embedded default (no REDIS_URL): router health/cooldown state, the measured outcomes of
task-aware groups and rate-limit counters live in the process. Production (REDIS_URL set): they
live in Redis, shared by all workers/replicas.
Usage records go through a `BufferedUsageSink` (bounded queue + background thread) into
`ModelUsageWriter` (batched INSERTs), never on the request thread.
"""
from __future__ import annotations

import os

from injector import Binder, Module, provider, singleton
from redis import Redis

from config import Config
from config.language_model import LanguageModelSettings
from internal.core.language_model import (
    BufferedUsageSink,
    InMemoryDeploymentStateStore,
    InMemoryRateLimiter,
    LanguageModelCatalog,
    LanguageModelGateway,
    RateLimiter,
    RedisDeploymentStateStore,
    RedisRateLimiter,
    Router,
    UsageSink,
    load_router_config,
)
from internal.core.language_model.local_client import LocalClient
from internal.core.language_model.rate_limit import LocalFirstRateLimiter
from internal.core.language_model.router_config import apply_env_credentials
from internal.core.language_model.routing import InMemoryRouteStatsStore, RedisRouteStatsStore
from internal.core.language_model.tracing import ModelCallTracer, TracedHTTPPool
from internal.extension.telemetry_extension import Telemetry
from internal.service.model_usage_writer import ModelUsageWriter
from internal.service.provider_credential_cache import ProviderCredentialCache
from pkg.redis_tracking import KeyReader
from pkg.ssrf import SsrfGuard


class LanguageModelModule(Module):
    def __init__(self, conf: Config, settings: LanguageModelSettings | None = None):
        self.conf = conf
        self.settings = settings

    def configure(self, binder: Binder) -> None:
        binder.bind(LanguageModelSettings, to=self.settings or LanguageModelSettings(), scope=singleton)

    @singleton
    @provider
    def catalog(self) -> LanguageModelCatalog:
        return LanguageModelCatalog()

    @singleton
    @provider
    def router(self, catalog: LanguageModelCatalog, settings: LanguageModelSettings, redis: Redis,
               guard: SsrfGuard, telemetry: Telemetry) -> Router:
        protocols = {p.name: p.provider_entity.protocol for p in catalog.get_providers()}
        config = apply_env_credentials(load_router_config(settings.ROUTER_CONFIG, protocols), dict(os.environ))
        state = (RedisDeploymentStateStore(redis, local_ttl=settings.STATE_LOCAL_CACHE_SECONDS) if self.conf.uses_redis
                 else InMemoryDeploymentStateStore())
        # the measured outcomes behind task_aware weights live beside the cooldowns
        route_stats = (RedisRouteStatsStore(redis, local_ttl=settings.STATE_LOCAL_CACHE_SECONDS)
                       if self.conf.uses_redis else InMemoryRouteStatsStore())
        clients = {"local": LocalClient(n_threads=settings.LOCAL_THREADS or None)}
        tracer = telemetry.tracer("llmops.language_model.transport")
        return Router(config, catalog, state=state, clients=clients, local_enabled=settings.LOCAL_ENABLED,
                      url_guard=guard,  # the process's one guard (ToolsModule)
                      route_stats=route_stats,
                      http_pool=TracedHTTPPool(tracer) if tracer is not None else None)

    @singleton
    @provider
    def credential_cache(self, settings: LanguageModelSettings, redis: Redis,
                         hot_keys: KeyReader) -> ProviderCredentialCache:
        return ProviderCredentialCache(settings.CREDENTIAL_CACHE_SECONDS, redis, hot_keys)

    @singleton
    @provider
    def rate_limiter(self, redis: Redis) -> RateLimiter:
        # Redis: shared by every process; keys far below a generous limit skip most round trips
        return LocalFirstRateLimiter(RedisRateLimiter(redis)) if self.conf.uses_redis else InMemoryRateLimiter()

    @singleton
    @provider
    def usage_sink(self, writer: ModelUsageWriter, settings: LanguageModelSettings) -> UsageSink:
        return BufferedUsageSink(writer.write, batch_size=settings.USAGE_BATCH_SIZE,
                                 flush_interval=settings.USAGE_FLUSH_INTERVAL)

    @singleton
    @provider
    def gateway(self, router: Router, catalog: LanguageModelCatalog, sink: UsageSink,
                limiter: RateLimiter, telemetry: Telemetry) -> LanguageModelGateway:
        tracer = telemetry.tracer("llmops.language_model")
        return LanguageModelGateway(router, catalog, usage_sink=sink, rate_limiter=limiter,
                                    tracer=ModelCallTracer(tracer) if tracer is not None else None)

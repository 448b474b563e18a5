"""LLMOps model layer: catalog, provider clients, router, usage/cost and rate limits.

Framework-free: nothing here imports Flask, handlers or services.
"""
from .catalog import LanguageModelCatalog, default_catalog
from .deployment import Deployment
from .entities import ModelEntity, ModelFeature, ModelType, Pricing, Provider, ProviderEntity
from .errors import LLMError
from .gateway import CallContext, LanguageModelGateway
from .rate_limit import InMemoryRateLimiter, RateLimit, RateLimiter, RedisRateLimiter
from .router import LOCAL_MODEL, Router
from .router_config import ModelGroup, RouterConfig, RouterSettings, load_router_config, parse_router_config
from .state import InMemoryDeploymentStateStore, RedisDeploymentStateStore
from .usage import BufferedUsageSink, MemoryUsageSink, NullUsageSink, Usage, UsageRecord, UsageSink

__all__ = [
    "LanguageModelCatalog", "default_catalog", "Deployment", "ModelEntity", "ModelFeature", "ModelType", "Pricing",
    "Provider", "ProviderEntity", "LLMError", "CallContext", "LanguageModelGateway", "InMemoryRateLimiter",
    "RateLimit", "RateLimiter", "RedisRateLimiter", "LOCAL_MODEL", "Router", "ModelGroup", "RouterConfig",
    "RouterSettings", "load_router_config", "parse_router_config", "InMemoryDeploymentStateStore",
    "RedisDeploymentStateStore", "BufferedUsageSink", "MemoryUsageSink", "NullUsageSink", "Usage", "UsageRecord",
    "UsageSink",
]

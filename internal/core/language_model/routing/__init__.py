"""Task-aware routing (strategy `task_aware`): request requirements, task classes, adaptive weights."""
from .request_profile import RouteRequest, profile_chat, profile_completion
from .stats import Decision, InMemoryRouteStatsStore, RedisRouteStatsStore, RouteStats, RouteStatsStore
from .strategy import TASK_AWARE, TaskAwareStrategy
from .task_classes import TASK_CLASSES, classify
from .weights import AdaptiveOptions

__all__ = [
    "RouteRequest", "profile_chat", "profile_completion", "Decision", "InMemoryRouteStatsStore",
    "RedisRouteStatsStore", "RouteStats", "RouteStatsStore", "TASK_AWARE", "TaskAwareStrategy", "TASK_CLASSES",
    "classify", "AdaptiveOptions",
]

"""A deployment: one concrete (provider, upstream model, endpoint, credential) behind a model name."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .entities import Pricing


@dataclass
class Deployment:
    id: str
    provider: str  # catalog provider name, e.g. "openai", "anthropic", "local"
    model: str  # model name sent upstream
    protocol: str = "openai"  # openai | azure_openai | anthropic | local
    api_base: str | None = None
    api_key: str | None = field(default=None, repr=False)
    api_version: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    timeout: float = 60.0  # seconds, whole request (read timeout between stream chunks)
    connect_timeout: float = 5.0
    priority: int = 0  # lower is tried first (strategy=priority)
    weight: float = 1.0  # share of traffic (strategy=weighted)
    pricing: Pricing | None = None
    extra_body: dict[str, Any] = field(default_factory=dict)
    # strategy=task_aware (docs/language-models.md "Task-aware routing"): the task classes this
    # deployment serves with their relative weights (empty: every class, weight 1), and the
    # capabilities / context window stated in YAML (None: the catalog's)
    tasks: dict[str, float] = field(default_factory=dict)
    features: tuple[str, ...] | None = None
    context_window: int | None = None
    # built from user-supplied (per-account) credentials: destinations go through the URL guard
    guarded: bool = False
    # The key of this deployment's router state (failures, cooldown, latency, counters). It is
    # the id for operator deployments; deployments built from an account's own credentials share
    # their id (`provider/model`) with every other account's, so theirs is scoped by the
    # credentials' owner and endpoint (Router.resolve): one account's failing endpoint never
    # cools down another's.
    state_key: str = ""

    def __post_init__(self) -> None:
        if not self.state_key:
            self.state_key = self.id

    def public_dict(self) -> dict[str, Any]:
        """What any API-key holder may see (/v1/models/<id>/health): ids only, never an
        endpoint or a credential."""
        return {"id": self.id, "provider": self.provider}

"""The `task_aware` strategy: hard requirements, then task class, then adaptive weights.

1. Deployments that cannot serve the request (tools, image input, JSON mode, context window;
   capabilities.py) are dropped; none left is the caller's problem: a 400 naming what is missing.
2. The rest is split in tiers by the request's task class: deployments whose `tasks` name the
   class, then the ones without `tasks` (generalists), then specialists of other classes
   (fallbacks only). Later tiers are only tried after every earlier one failed or cooled down.
3. Inside a tier the order is drawn with probability ∝ the adaptive weight (weights.py), from
   the outcomes measured in the shared stats store (stats.py).
"""
from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import Any

from ..catalog import LanguageModelCatalog
from ..deployment import Deployment
from ..entities import Pricing
from ..errors import InvalidRequestError
from .capabilities import LABELS, Capabilities, capabilities_of
from .request_profile import JSON_MODE, TOOL_CALL, VISION, RouteRequest
from .stats import Decision, InMemoryRouteStatsStore, RouteStats, RouteStatsStore
from .task_classes import TASK_CLASSES
from .weights import AdaptiveOptions, adaptive_shares, weighted_order

TASK_AWARE = "task_aware"
_PARAM = {TOOL_CALL: "tools", VISION: "messages", JSON_MODE: "response_format", "context": "messages"}


class TaskAwareStrategy:
    def __init__(self, catalog: LanguageModelCatalog, pricing_of: Callable[[Deployment], Pricing | None],
                 stats: RouteStatsStore | None = None, rng: random.Random | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        self.catalog = catalog
        self.pricing_of = pricing_of
        self.stats = stats or InMemoryRouteStatsStore(clock)
        self._rng = rng or random.Random()
        self._clock = clock
        self._caps: dict[str, Capabilities] = {}
        self._cost: dict[str, float] = {}

    # ------------------------------------------------------------------ per deployment --------
    def capabilities(self, dep: Deployment) -> Capabilities:
        c = self._caps.get(dep.state_key)
        if c is None:
            c = self._caps[dep.state_key] = capabilities_of(dep, self.catalog)
        return c

    def cost(self, dep: Deployment) -> float:
        """Price of one input plus one output token (0: unknown)."""
        c = self._cost.get(dep.state_key)
        if c is None:
            p = self.pricing_of(dep)
            c = self._cost[dep.state_key] = (p.input + p.output) / p.unit if p and p.unit > 0 else 0.0
        return c

    # ------------------------------------------------------------------ ordering --------------
    def eligible(self, name: str, deps: list[Deployment], req: RouteRequest) -> list[Deployment]:
        ok, missing = [], {}
        for d in deps:
            miss = self.capabilities(d).missing(req)
            if miss:
                missing[d.id] = miss
            else:
                ok.append(d)
        if not ok:
            raise self._unservable(name, req, missing)
        return ok

    @staticmethod
    def _unservable(name: str, req: RouteRequest, missing: dict[str, list[str]]) -> InvalidRequestError:
        wanted = [*req.needs, *(["context"] if any("context" in m for m in missing.values()) else [])]
        # the requirement most deployments lack names the parameter
        worst = max(wanted, key=lambda f: sum(f in m for m in missing.values()))
        what = ", ".join(LABELS.get(f, f) if f != "context" else
                         f"a context window of {req.prompt_tokens + req.max_tokens} tokens (prompt ≈ "
                         f"{req.prompt_tokens} + max_tokens {req.max_tokens})" for f in wanted)
        if worst == "context":
            return InvalidRequestError(f"No deployment of model `{name}` can serve this request: it needs {what}.",
                                       param="messages", code="context_length_exceeded")
        return InvalidRequestError(f"No deployment of model `{name}` can serve this request: it needs {what}.",
                                   param=_PARAM[worst], code="unsupported_parameter")

    @staticmethod
    def tier(dep: Deployment, task: str) -> tuple[int, float]:
        """(tier, task weight): 0 names the class, 1 serves every class, 2 other classes only."""
        if not dep.tasks:
            return 1, 1.0
        w = dep.tasks.get(task, 0.0)
        return (0, w) if w > 0 else (2, 1.0)

    def shares(self, deps: list[Deployment], base: list[float], opts: AdaptiveOptions,
               stats: dict[str, RouteStats], now: float) -> list[float]:
        st = [stats[d.state_key] for d in deps]
        return adaptive_shares(base, [s.latency_ms for s in st],
                               [s.error_rate_at(now, opts.error_half_life) for s in st],
                               [self.cost(d) for d in deps], opts)

    def order(self, name: str, deps: list[Deployment], req: RouteRequest, opts: AdaptiveOptions) -> list[Deployment]:
        ok = self.eligible(name, deps, req)
        if len(ok) == 1:
            return ok
        stats = self.stats.stats([d.state_key for d in ok])
        now = self._clock()
        tiers: dict[int, list[tuple[Deployment, float]]] = {}
        for d in ok:
            t, w = self.tier(d, req.task)
            tiers.setdefault(t, []).append((d, d.weight * w))
        out: list[Deployment] = []
        for t in sorted(tiers):
            members = [d for d, _ in tiers[t]]
            if len(members) == 1:
                out.extend(members)
                continue
            out.extend(weighted_order(members, self.shares(members, [b for _, b in tiers[t]], opts, stats, now),
                                      self._rng))
        return out

    # ------------------------------------------------------------------ outcomes --------------
    def observe(self, group: str, dep: Deployment, latency_ms: float | None, failed: bool,
                opts: AdaptiveOptions, decision: Decision | None = None) -> None:
        self.stats.observe(dep.state_key, latency_ms, failed, opts.ewma_alpha, opts.error_half_life,
                           (group, decision) if decision is not None else None)

    def decided(self, group: str, req: RouteRequest, first: Deployment, served: Deployment | None) -> Decision:
        return Decision(req.task, served.id if served else None, first.id, req.needs, round(self._clock(), 3))

    # ------------------------------------------------------------------ health ----------------
    def health(self, name: str, deps: list[Deployment], opts: AdaptiveOptions) -> tuple[dict[str, Any], list[dict]]:
        """(group-level section, one section per deployment in order)."""
        stats = self.stats.stats([d.state_key for d in deps])
        now = self._clock()
        overall = self.shares(deps, [d.weight for d in deps], opts, stats, now)
        per_task: dict[str, dict[str, float]] = {}
        for task in TASK_CLASSES:
            tiers: dict[int, list[tuple[Deployment, float]]] = {}
            for d in deps:
                t, w = self.tier(d, task)
                tiers.setdefault(t, []).append((d, d.weight * w))
            first = tiers[min(tiers)]
            sh = self.shares([d for d, _ in first], [b for _, b in first], opts, stats, now)
            per_task[task] = {d.id: round(s, 4) for (d, _), s in zip(first, sh, strict=True)}
        sections = []
        for d, share in zip(deps, overall, strict=True):
            s = stats[d.state_key]
            caps = self.capabilities(d)
            sections.append({
                "weight": round(share, 4),
                "task_weights": {t: per_task[t].get(d.id, 0.0) for t in TASK_CLASSES},
                "measured_latency_ms": round(s.latency_ms, 3) if s.latency_ms is not None else None,
                "error_rate": round(s.error_rate_at(now, opts.error_half_life), 4),
                "observed_requests": s.requests,
                "observed_failures": s.failures,
                "cost_per_million_tokens": round(self.cost(d) * 1_000_000, 6),
                "tasks": dict(d.tasks) or "all",
                "features": sorted(caps.features),
                "context_window": caps.context_window or None,
            })
        counts, last = self.stats.decisions(name)
        return {"task_classes": counts, "last_decision": last}, sections

"""Adaptive weights of a task-aware group: static weight × task weight × latency × errors × cost.

  weight = weight · task_weight
           · ((best_latency + 10 ms) / (latency + 10 ms)) ^ latency_exponent
           · (1 − error_rate) ^ error_exponent
           · (cheapest_cost / cost) ^ cost_exponent
then normalised to shares, each at least `min_share` (so a penalised deployment still gets a
trickle of traffic and its figures can recover). `best_latency`/`cheapest_cost` are the best among
the candidates; an unmeasured latency counts as the best (it gets measured), an unknown or zero
price as the cheapest. The 10 ms slack keeps jitter between fast upstreams from mattering.
"""
from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import Any

LATENCY_SLACK_MS = 10.0


@dataclass(frozen=True)
class AdaptiveOptions:
    """The `routing:` block of a task_aware group (all optional)."""

    ewma_alpha: float = 0.2  # weight of the newest sample in the latency and error EWMAs
    error_half_life: float = 300.0  # seconds without news that halve a deployment's error rate
    latency_exponent: float = 1.0
    error_exponent: float = 2.0
    cost_exponent: float = 0.5
    min_share: float = 0.02
    long_document_tokens: int = 8000  # prompts above this are `long_document` (unless code/translation)

    @classmethod
    def parse(cls, raw: dict[str, Any] | None, where: str) -> AdaptiveOptions:
        raw = raw or {}
        known = {f.name: f.type for f in fields(cls)}
        unknown = sorted(set(raw) - set(known))
        if unknown:
            raise ValueError(f"{where}: unknown routing option(s) {unknown} (known: {sorted(known)})")
        values: dict[str, Any] = {}
        for k, v in raw.items():
            if isinstance(v, bool) or not isinstance(v, (int, float)) or v < 0:
                raise ValueError(f"{where}: routing.{k} must be a non-negative number")
            values[k] = int(v) if k == "long_document_tokens" else float(v)
        opts = cls(**values)
        if not 0 < opts.ewma_alpha <= 1:
            raise ValueError(f"{where}: routing.ewma_alpha must be in (0, 1]")
        if opts.min_share >= 1:
            raise ValueError(f"{where}: routing.min_share must be below 1")
        return opts


def adaptive_shares(base: Sequence[float], latency: Sequence[float | None], error_rate: Sequence[float],
                    cost: Sequence[float], opts: AdaptiveOptions) -> list[float]:
    """Traffic shares (summing to 1) of candidates described by parallel sequences."""
    measured = [x for x in latency if x is not None]
    best_lat = min(measured) if measured else None
    priced = [c for c in cost if c > 0]
    cheapest = min(priced) if priced else None
    raw = []
    for b, lat, err, c in zip(base, latency, error_rate, cost, strict=True):
        w = max(0.0, b)
        if w and lat is not None and best_lat is not None and opts.latency_exponent:
            w *= ((best_lat + LATENCY_SLACK_MS) / (lat + LATENCY_SLACK_MS)) ** opts.latency_exponent
        if w and opts.error_exponent:
            w *= max(0.0, 1.0 - err) ** opts.error_exponent
        if w and c > 0 and cheapest is not None and opts.cost_exponent:
            w *= (cheapest / c) ** opts.cost_exponent
        raw.append(w)
    total = sum(raw)
    if total <= 0:  # every candidate fully penalised: share evenly among the ones configured on
        on = [1.0 if b > 0 else 0.0 for b in base]
        raw, total = on, sum(on) or 1.0
    shares = [w / total for w in raw]
    if opts.min_share > 0 and len(shares) > 1:
        shares = [max(s, opts.min_share) if b > 0 else 0.0 for s, b in zip(shares, base, strict=True)]
        total = sum(shares)
        shares = [s / total for s in shares]
    return shares


def weighted_order(items: Sequence[Any], shares: Sequence[float], rng: random.Random) -> list[Any]:
    """A random permutation where each next item is drawn with probability ∝ its share."""
    pool = [(s, it) for s, it in zip(shares, items, strict=True)]
    out = []
    while pool:
        total = sum(s for s, _ in pool)
        if total <= 0:
            out.extend(it for _, it in pool)
            break
        r = rng.random() * total
        acc = 0.0
        for i, (s, it) in enumerate(pool):
            acc += s
            if r < acc or i == len(pool) - 1:
                out.append(it)
                pool.pop(i)
                break
    return out

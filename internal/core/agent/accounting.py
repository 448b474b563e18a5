"""Token and price accounting of one turn: every model call is added (usage as the gateway
reported it on the call's final chunk, never re-estimated here), delegated agents included."""
from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from internal.core.language_model.entities import Pricing


@dataclass(frozen=True)
class CallUsage:
    input_tokens: int = 0
    output_tokens: int = 0
    total_tokens: int = 0
    price: float = 0.0
    input_unit_price: float = 0.0
    output_unit_price: float = 0.0
    price_unit: float = 0.0   # multiply tokens × unit price × price_unit to get the price


def call_usage(usage_metadata: dict[str, Any] | None, pricing: Pricing | None) -> CallUsage:
    u = usage_metadata or {}
    inp, out = int(u.get("input_tokens") or 0), int(u.get("output_tokens") or 0)
    total = int(u.get("total_tokens") or 0) or inp + out
    if pricing is None or pricing.unit <= 0:
        return CallUsage(inp, out, total)
    return CallUsage(inp, out, total, pricing.cost(inp, out), pricing.input, pricing.output, 1 / pricing.unit)


class UsageMeter:
    """Thread-safe: parallel tool calls may run delegated agents that add their own calls."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.calls = 0
        self.input_tokens = 0
        self.output_tokens = 0
        self.total_tokens = 0
        self.price = 0.0

    def add(self, usage: CallUsage) -> None:
        with self._lock:
            self.calls += 1
            self.input_tokens += usage.input_tokens
            self.output_tokens += usage.output_tokens
            self.total_tokens += usage.total_tokens
            self.price += usage.price

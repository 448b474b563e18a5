"""List operator: filter (conditions on each item, or on a key of object items), sort, slice."""
from __future__ import annotations

from typing import Any

from ..entities.coercion import to_string
from ..entities.nodes import BaseNode
from .base import NodeError, NodeOutcome
from .conditions import evaluate_group


def _key_of(item: Any, key: str) -> Any:
    if not key:
        return item
    if isinstance(item, dict):
        return item.get(key)
    raise NodeError(f"items are not objects, so they have no key {key!r}")


def run_list_operator(node: BaseNode, inputs: dict[str, Any], ctx) -> NodeOutcome:
    items = list(inputs.get("items") or [])
    if node.filter.enabled and node.filter.conditions:
        items = [it for it in items if evaluate_group(node.filter, lambda key, it=it: _key_of(it, key))]
    if node.sort.enabled:
        values = [_key_of(it, node.sort.key) for it in items]
        numeric = all(isinstance(v, int | float) and not isinstance(v, bool) for v in values)
        order = sorted(range(len(items)), key=(lambda i: values[i]) if numeric else (lambda i: to_string(values[i])),
                       reverse=node.sort.order == "desc")
        items = [items[i] for i in order]
    if node.slice.enabled:
        end = None if node.slice.limit is None else node.slice.offset + node.slice.limit
        items = items[node.slice.offset:end]
    return NodeOutcome({"result": items, "first": items[0] if items else None,
                        "last": items[-1] if items else None, "count": len(items)})

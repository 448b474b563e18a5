"""Iteration (the body once per list item, up to `parallelism` at once, outputs in item order)
and loop (the body until the break condition holds or `max_count` turns)."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from ..entities.coercion import CoercionError, coerce
from ..entities.nodes import BaseNode
from .base import NodeError, NodeOutcome
from .conditions import evaluate_group

_FAILED = object()


def run_iteration(node: BaseNode, inputs: dict[str, Any], ctx) -> NodeOutcome:
    items = inputs.get("items") or []

    def one(index: int) -> Any:
        try:
            return ctx.run_body({"item": items[index], "index": index}, index)
        except NodeError as exc:
            if node.error_mode == "terminate":
                raise NodeError(f"item {index}: {exc}") from None
            return _FAILED

    if node.parallelism > 1 and len(items) > 1:
        pool = ThreadPoolExecutor(max_workers=min(node.parallelism, len(items)), thread_name_prefix="wf-iteration")
        try:
            futures = [pool.submit(one, i) for i in range(len(items))]
            results = [f.result() for f in futures]
        finally:  # on a terminating failure, items not started yet never start
            pool.shutdown(wait=False, cancel_futures=True)
    else:
        results = [one(i) for i in range(len(items))]
    if node.error_mode == "remove_failed":
        results = [r for r in results if r is not _FAILED]
    outputs = {}
    for var in node.outputs:
        column = [None if r is _FAILED else r.get(var.name) for r in results]
        outputs[var.name] = ctx.coerce_output(var.name, column, var.type) if None not in column else column
    return NodeOutcome(outputs)


def run_loop(node: BaseNode, inputs: dict[str, Any], ctx) -> NodeOutcome:
    types = {v.name: v.type for v in node.inputs}
    state = dict(inputs)
    for turn in range(node.max_count):
        result = ctx.run_body({**state, "index": turn}, turn)
        for name, value in result.items():
            if name in types:
                try:
                    state[name] = coerce(value, types[name]) if value is not None else None
                except CoercionError as exc:
                    raise NodeError(f"turn {turn}: loop variable {name!r}: {exc}") from None
        if node.break_conditions.conditions and evaluate_group(node.break_conditions, state.get):
            break
    return NodeOutcome({v.name: state.get(v.name) for v in node.outputs})

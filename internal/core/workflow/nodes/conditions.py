"""Evaluation of conditions (if/else cases, loop break conditions, list filters)."""
from __future__ import annotations

from typing import Any

from ..entities.coercion import CoercionError, to_bool, to_float, to_string
from ..entities.conditions import ComparisonOperator as Op
from ..entities.conditions import Condition, ConditionGroup, LogicalOperator, parse_operator
from .base import NodeError


def _is_empty(value: Any) -> bool:
    return value is None or value == "" or (isinstance(value, list | dict | tuple) and len(value) == 0)


def _number(value: Any, what: str) -> float:
    try:
        return to_float(value)
    except CoercionError as exc:
        raise NodeError(f"{what} is not a number: {exc}") from None


def compare(op: Op, actual: Any, expected: Any) -> bool:
    if op == Op.EMPTY:
        return _is_empty(actual)
    if op == Op.NOT_EMPTY:
        return not _is_empty(actual)
    if op in (Op.CONTAINS, Op.NOT_CONTAINS):
        if isinstance(actual, list | tuple):
            found = any(to_string(item) == to_string(expected) for item in actual)
        else:
            found = to_string(expected) in to_string(actual)
        return found if op == Op.CONTAINS else not found
    if op == Op.START_WITH:
        return to_string(actual).startswith(to_string(expected))
    if op == Op.END_WITH:
        return to_string(actual).endswith(to_string(expected))
    if op in (Op.IS, Op.IS_NOT):
        if isinstance(actual, bool):
            try:
                same = actual == to_bool(expected)
            except CoercionError:
                same = False
        else:
            same = to_string(actual) == to_string(expected)
        return same if op == Op.IS else not same
    left, right = _number(actual, "the value"), _number(expected, "the compared value")
    return {Op.EQ: left == right, Op.NE: left != right, Op.GT: left > right, Op.LT: left < right,
            Op.GE: left >= right, Op.LE: left <= right}[op]


def evaluate_condition(cond: Condition, actual: Any) -> bool:
    op = parse_operator(cond.comparison_operator)
    if op is None:
        raise NodeError(f"unknown comparison operator {cond.comparison_operator!r}")
    return compare(op, actual, cond.value)


def evaluate_group(group: ConditionGroup, lookup) -> bool:
    """`lookup(variable_name)` gives the actual value of a condition's variable."""
    if not group.conditions:
        return False
    results = (evaluate_condition(c, lookup(c.variable)) for c in group.conditions)
    return all(results) if group.logical_operator == LogicalOperator.AND else any(results)

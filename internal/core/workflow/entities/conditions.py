"""Conditions of if/else cases, loop break conditions and list-operator filters."""
from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import Field

from .variables import Shape


class ComparisonOperator(StrEnum):
    CONTAINS = "contains"
    NOT_CONTAINS = "not_contains"
    START_WITH = "start_with"
    END_WITH = "end_with"
    IS = "is"
    IS_NOT = "is_not"
    EMPTY = "empty"
    NOT_EMPTY = "not_empty"
    EQ = "="
    NE = "≠"
    GT = ">"
    LT = "<"
    GE = "≥"
    LE = "≤"


# ASCII spellings accepted from API/DSL authors; the stored graph keeps what was sent.
OPERATOR_ALIASES = {"==": ComparisonOperator.EQ, "!=": ComparisonOperator.NE,
                    ">=": ComparisonOperator.GE, "<=": ComparisonOperator.LE}
UNARY_OPERATORS = {ComparisonOperator.EMPTY, ComparisonOperator.NOT_EMPTY}


def parse_operator(text: str) -> ComparisonOperator | None:
    if text in OPERATOR_ALIASES:
        return OPERATOR_ALIASES[text]
    try:
        return ComparisonOperator(text)
    except ValueError:
        return None


class LogicalOperator(StrEnum):
    AND = "and"
    OR = "or"


class Condition(Shape):
    variable: str = ""               # an input name of the node (list operator: an item key, "" = the item)
    comparison_operator: str = ""
    value: Any = None


class ConditionGroup(Shape):
    logical_operator: LogicalOperator = LogicalOperator.AND
    conditions: list[Condition] = Field(default_factory=list)


class Case(ConditionGroup):
    id: str = ""

"""Nodes that only move values: start, end, template transform, variable assigner/aggregator,
if/else."""
from __future__ import annotations

from typing import Any

from ..entities.coercion import CoercionError, coerce
from ..entities.nodes import BaseNode
from ..template import TemplateRenderError, render
from .base import NodeError, NodeInputError, NodeOutcome
from .conditions import evaluate_group


def run_start(node: BaseNode, inputs: dict[str, Any], ctx) -> NodeOutcome:
    """The run's inputs (or a body's item/turn values), checked against the declared inputs."""
    given = ctx.graph_inputs
    outputs = {}
    for var in node.inputs:
        value = given.get(var.name)
        if value is None or (value == "" and var.type != "string"):
            if var.required:
                raise NodeInputError(f"the input {var.name!r} is required")
            outputs[var.name] = None
            continue
        try:
            outputs[var.name] = coerce(value, var.type)
        except CoercionError as exc:
            raise NodeInputError(f"the input {var.name!r}: {exc}") from None
    return NodeOutcome(outputs)


def run_passthrough(node: BaseNode, inputs: dict[str, Any], ctx) -> NodeOutcome:
    """End node (its outputs are references) and variable assigner (outputs = typed inputs)."""
    return NodeOutcome(dict(inputs))


def run_aggregator(node: BaseNode, inputs: dict[str, Any], ctx) -> NodeOutcome:
    """The first input that has a value: after a branch, the value of the branch that ran."""
    vtype = node.outputs[0].type if node.outputs else (node.inputs[0].type if node.inputs else "string")
    for var in node.inputs:
        value = inputs.get(var.name)
        if value is not None:
            return NodeOutcome({"output": ctx.coerce_output("output", value, vtype)})
    raise NodeError("none of the aggregated variables has a value on this path")


def run_template(node: BaseNode, inputs: dict[str, Any], ctx) -> NodeOutcome:
    try:
        return NodeOutcome({"output": render(node.template, inputs)})
    except TemplateRenderError as exc:
        raise NodeError(str(exc)) from None


def run_if_else(node: BaseNode, inputs: dict[str, Any], ctx) -> NodeOutcome:
    for case in node.cases:
        if evaluate_group(case, inputs.get):
            return NodeOutcome({}, handle=case.id)
    return NodeOutcome({}, handle="else")

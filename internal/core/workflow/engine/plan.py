"""A compiled graph: per node its executor, precomputed input bindings and outgoing edges, so a
run does no parsing, no lookups by type and no graph walks (engine overhead is per node)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..entities.coercion import CoercionError, coerce
from ..entities.graph import Graph
from ..entities.node_type import BRANCHING_TYPES, CONTAINER_TYPES, NodeType
from ..entities.nodes import BaseNode
from ..entities.policies import ErrorStrategy
from ..entities.variables import VariableType
from ..nodes.base import Executor
from ..nodes.registry import EXECUTORS, LENIENT_INPUTS


@dataclass(frozen=True, slots=True)
class Binding:
    name: str
    type: VariableType
    required: bool
    ref_node: str | None             # None: a literal
    ref_var: str = ""
    literal: Any = None


@dataclass(slots=True)
class PlanEdge:
    target: str
    handle: str | None


@dataclass(slots=True)
class PlanNode:
    node: BaseNode
    executor: Executor
    bindings: tuple[Binding, ...]
    out_edges: list[PlanEdge] = field(default_factory=list)
    in_count: int = 0
    branching: bool = False
    lenient: bool = False
    strategy: ErrorStrategy = ErrorStrategy.FAIL
    body: Plan | None = None


@dataclass
class Plan:
    nodes: dict[str, PlanNode]
    start_id: str
    end_id: str


def _bindings(node: BaseNode) -> tuple[Binding, ...]:
    variables = node.outputs if node.node_type == NodeType.END else node.inputs
    if node.node_type == NodeType.START:
        return ()
    out = []
    for var in variables:
        ref = var.ref
        if ref is not None:
            out.append(Binding(var.name, var.type, var.required, ref.ref_node_id, ref.ref_var_name))
            continue
        content = var.value.content if var.value is not None else None
        if content in ("", None) and var.type != VariableType.STRING:
            literal = None  # an optional literal left empty
        else:
            try:
                literal = coerce(content, var.type)
            except CoercionError:
                literal = None  # strict validation reports it; a plan is only built from checked graphs
        out.append(Binding(var.name, var.type, var.required, None, literal=literal))
    return tuple(out)


def compile_plan(graph: Graph) -> Plan:
    nodes: dict[str, PlanNode] = {}
    start_id = end_id = ""
    for node in graph.nodes:
        plan_node = PlanNode(node=node, executor=EXECUTORS[node.node_type], bindings=_bindings(node),
                             branching=node.node_type in BRANCHING_TYPES,
                             lenient=node.node_type in LENIENT_INPUTS, strategy=node.error_policy.strategy)
        if node.node_type in CONTAINER_TYPES:
            plan_node.body = compile_plan(Graph.from_subgraph(node.body))
        nodes[node.id] = plan_node
        if node.node_type == NodeType.START:
            start_id = node.id
        elif node.node_type == NodeType.END:
            end_id = node.id
    for edge in graph.edges:
        nodes[edge.source].out_edges.append(PlanEdge(edge.target, edge.source_handle_id or None))
        nodes[edge.target].in_count += 1
    return Plan(nodes=nodes, start_id=start_id, end_id=end_id)

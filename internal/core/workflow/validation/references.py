"""Ids a graph points at (tools, datasets, workflows), collected so the service can check each
one belongs to the caller (tenant isolation for ids nested in graphs) and name the node when not."""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from internal.core.tools.base import ToolRef, ToolType

from ..entities.graph import Graph
from ..entities.node_type import CONTAINER_TYPES, NodeType
from ..entities.nodes import BaseNode

T = TypeVar("T")


@dataclass(frozen=True)
class NodeRef(Generic[T]):
    node_id: str
    node_title: str
    field: str
    value: T


@dataclass
class GraphReferences:
    tools: list[NodeRef[ToolRef]] = field(default_factory=list)
    datasets: list[NodeRef[str]] = field(default_factory=list)
    workflows: list[NodeRef[str]] = field(default_factory=list)


def walk_nodes(graph: Graph) -> Iterator[BaseNode]:
    for node in graph.nodes:
        yield node
        if node.node_type in CONTAINER_TYPES:
            yield from walk_nodes(Graph.from_subgraph(node.body))


def tool_ref_of(node: BaseNode) -> ToolRef:
    return ToolRef(type=ToolType(node.tool_type), provider_id=node.provider_id, tool_id=node.tool_id,
                   params=dict(node.params))


def collect_references(graph: Graph) -> GraphReferences:
    """Every id the graph points at. Works on drafts too: a tool node not filled in yet (no tool
    type or provider) points at nothing."""
    refs = GraphReferences()
    for node in walk_nodes(graph):
        if node.node_type == NodeType.TOOL:
            if node.tool_type not in ToolType.__members__.values() or not node.provider_id \
                    or len(node.provider_id) > 255 or len(node.tool_id) > 255:
                continue  # not filled in (a draft), or refused by the strict checks
            if node.tool_type == ToolType.WORKFLOW:
                refs.workflows.append(NodeRef(node.id, node.title, "provider_id", node.provider_id))
            refs.tools.append(NodeRef(node.id, node.title, "tool_id", tool_ref_of(node)))
        elif node.node_type == NodeType.DATASET_RETRIEVAL:
            for i, dataset_id in enumerate(node.dataset_ids):
                if dataset_id:
                    refs.datasets.append(NodeRef(node.id, node.title, f"dataset_ids[{i}]", dataset_id))
    return refs

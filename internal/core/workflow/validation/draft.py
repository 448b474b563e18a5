"""Draft checks: what must hold even for an unfinished graph the editor autosaves. A node that
does not parse is an error, never dropped (course defect #8); ids are unique; every edge joins
two existing nodes whose types it names correctly."""
from __future__ import annotations

from ..entities.graph import Graph, GraphIssue
from ..entities.node_type import CONTAINER_TYPES
from ..entities.nodes import BaseNode


def node_issue(node: BaseNode, field: str | None, message: str) -> GraphIssue:
    return GraphIssue(message, node_id=node.id, node_title=node.title, field=field)


def draft_issues(graph: Graph, scope: str = "") -> list[GraphIssue]:
    issues: list[GraphIssue] = []
    by_id: dict[str, BaseNode] = {}
    for node in graph.nodes:
        if node.id in by_id:
            issues.append(node_issue(node, "id", f"{scope}another node already has this id"))
        by_id[node.id] = node
    seen_edges: set[str] = set()
    for edge in graph.edges:
        if edge.id in seen_edges:
            issues.append(GraphIssue(f"{scope}another edge already has this id", edge_id=edge.id, field="id"))
        seen_edges.add(edge.id)
        for end, type_field in (("source", "source_type"), ("target", "target_type")):
            node = by_id.get(getattr(edge, end))
            if node is None:
                other = by_id.get(edge.target if end == "source" else edge.source)  # the end that exists
                issues.append(GraphIssue(f"{scope}the edge's {end} node does not exist (dangling edge)",
                                         node_id=other.id if other else None,
                                         node_title=other.title if other else None, edge_id=edge.id, field=end))
            elif getattr(edge, type_field) and getattr(edge, type_field) != node.node_type:
                issues.append(GraphIssue(f"{scope}{type_field} {getattr(edge, type_field)!r} does not match the "
                                         f"node's type {node.node_type!r}", edge_id=edge.id, field=type_field))
    for node in graph.nodes:
        if node.node_type in CONTAINER_TYPES:
            body = Graph.from_subgraph(node.body)
            issues.extend(_in_body(node, i) for i in draft_issues(body, scope=f"{scope}body of {node.title!r}: "))
    return issues


def nested_id_issues(graph: Graph, outer: frozenset[str] = frozenset()) -> list[GraphIssue]:
    """A body's node ids must differ from the ids around it: events, records and references
    name nodes by id alone."""
    issues: list[GraphIssue] = []
    around = outer | {n.id for n in graph.nodes}
    for node in graph.nodes:
        if node.node_type not in CONTAINER_TYPES:
            continue
        body = Graph.from_subgraph(node.body)
        for inner in body.nodes:
            if inner.id in around:
                issues.append(node_issue(node, f"body.nodes[{inner.id}].id",
                                         "a body node needs an id of its own (the id is used outside the body)"))
        issues.extend(_in_body(node, i) for i in nested_id_issues(body, around))
    return issues


def _in_body(container: BaseNode, issue: GraphIssue) -> GraphIssue:
    """Body problems are reported on the container, with the inner node or edge in the field."""
    inner = f"body.nodes[{issue.node_id}]" if issue.node_id else (f"body.edges[{issue.edge_id}]" if issue.edge_id
                                                                  else "body")
    field = f"{inner}.{issue.field}" if issue.field else inner
    return GraphIssue(issue.message, node_id=container.id, node_title=container.title, field=field)

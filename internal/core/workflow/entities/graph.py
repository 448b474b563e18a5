"""A workflow graph and its parsing. Nodes are parsed one by one so that every malformed node is
reported (id, title, field) instead of being dropped (course defect #8)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import TypeAdapter, ValidationError

from .node_type import NodeType
from .nodes import BaseNode, Edge, Node, SubGraph

NODE_ADAPTER: TypeAdapter[BaseNode] = TypeAdapter(Node)


@dataclass(frozen=True)
class GraphIssue:
    """One problem of a graph, named by node (or edge) and field; what the console shows."""
    message: str
    node_id: str | None = None
    node_title: str | None = None
    field: str | None = None
    edge_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"node_id": self.node_id, "node_title": self.node_title, "field": self.field,
                "edge_id": self.edge_id, "message": self.message}

    def __str__(self) -> str:
        where = f"edge {self.edge_id}" if self.edge_id else (
            f"node {self.node_title or ''} ({self.node_id})" if self.node_id else "graph")
        return f"{where}{' ' + self.field if self.field else ''}: {self.message}"


def loc_to_field(loc: tuple) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


_TAGS = frozenset(t.value for t in NodeType)


def _strip_tags(loc: tuple) -> tuple:
    """Drop the union tags pydantic puts in error locations (`nodes.0.llm.prompt` -> `nodes[0].prompt`)."""
    out = []
    for i, part in enumerate(loc):
        if part in _TAGS and (i == 0 or isinstance(loc[i - 1], int)):
            continue
        out.append(part)
    return tuple(out)


def _pydantic_issues(exc: ValidationError, *, node_id=None, title=None, edge_id=None,
                     prefix: str = "", strip_tag: bool = False) -> list[GraphIssue]:
    issues = []
    for err in exc.errors(include_url=False, include_input=False):
        loc = _strip_tags(tuple(err["loc"])) if strip_tag else tuple(err["loc"])
        msg = err["msg"]
        if err["type"] in ("union_tag_invalid", "union_tag_not_found"):
            loc, msg = ("node_type",), "unknown node type" if err["type"] == "union_tag_invalid" \
                else "node_type is required"
        field = ".".join(p for p in (prefix, loc_to_field(loc)) if p)
        issues.append(GraphIssue(msg, node_id=node_id, node_title=title, edge_id=edge_id, field=field or None))
    return issues


@dataclass
class Graph:
    """Parsed nodes and edges (top level or a container body)."""
    nodes: list[BaseNode] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)  # graph-level keys other than nodes/edges, kept

    def dump(self) -> dict[str, Any]:
        return {**self.extra,
                "nodes": [n.model_dump(mode="json", by_alias=True, exclude_unset=True) for n in self.nodes],
                "edges": [e.model_dump(mode="json", by_alias=True, exclude_unset=True) for e in self.edges]}

    @classmethod
    def from_subgraph(cls, body: SubGraph) -> Graph:
        return cls(nodes=list(body.nodes), edges=list(body.edges))


def parse_graph(raw: Any, prefix: str = "") -> tuple[Graph, list[GraphIssue]]:
    """Parse what the editor/API sent. Returns the nodes and edges that parsed plus one issue per
    problem; callers refuse to save when there is any issue (nothing is silently dropped)."""
    issues: list[GraphIssue] = []
    if not isinstance(raw, dict):
        return Graph(nodes=[], edges=[]), [GraphIssue("the graph must be an object with nodes and edges")]
    raw_nodes, raw_edges = raw.get("nodes", []), raw.get("edges", [])
    for key, value in (("nodes", raw_nodes), ("edges", raw_edges)):
        if not isinstance(value, list):
            issues.append(GraphIssue(f"{key} must be a list", field=f"{prefix}{key}"))
    nodes: list[BaseNode] = []
    for i, item in enumerate(raw_nodes if isinstance(raw_nodes, list) else []):
        if not isinstance(item, dict):
            issues.append(GraphIssue("a node must be an object", field=f"{prefix}nodes[{i}]"))
            continue
        node_id = item.get("id") if isinstance(item.get("id"), str) else None
        title = item.get("title") if isinstance(item.get("title"), str) else None
        try:
            nodes.append(NODE_ADAPTER.validate_python(item))
        except ValidationError as exc:
            issues.extend(_pydantic_issues(exc, node_id=node_id or f"{prefix}nodes[{i}]", title=title,
                                           strip_tag=True))
    edges: list[Edge] = []
    for i, item in enumerate(raw_edges if isinstance(raw_edges, list) else []):
        if not isinstance(item, dict):
            issues.append(GraphIssue("an edge must be an object", field=f"{prefix}edges[{i}]"))
            continue
        edge_id = item.get("id") if isinstance(item.get("id"), str) else f"{prefix}edges[{i}]"
        try:
            edges.append(Edge.model_validate(item))
        except ValidationError as exc:
            issues.extend(_pydantic_issues(exc, edge_id=edge_id))
    extra = {k: v for k, v in raw.items() if k not in ("nodes", "edges")}
    return Graph(nodes=nodes, edges=edges, extra=extra), issues

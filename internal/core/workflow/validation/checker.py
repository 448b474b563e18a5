"""The two entry points: `check_draft` (autosave: shape only) and `check_graph` (debug/publish:
runnable). Both collect every issue and raise one GraphValidationError listing them all."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..entities.graph import Graph, GraphIssue, parse_graph
from .draft import draft_issues, nested_id_issues
from .references import GraphReferences, collect_references
from .strict import strict_issues


class GraphValidationError(ValueError):
    """Every issue of a graph (or of run inputs). Core cannot import the exception hierarchy (it
    pulls in Flask through pkg.response), so the service re-raises it as
    `ValidateErrorException(str(err), data=err.data)`: the console's `validate_error` envelope
    with `data.errors` listing every issue."""

    def __init__(self, issues: list[GraphIssue]):
        self.issues = issues
        first = str(issues[0]) if issues else "invalid graph"
        more = f" (and {len(issues) - 1} more)" if len(issues) > 1 else ""
        self.message = first + more
        self.data = {"errors": [i.to_dict() for i in issues]}
        super().__init__(self.message)


@dataclass
class CheckedGraph:
    graph: Graph
    references: GraphReferences

    def dump(self) -> dict[str, Any]:
        return self.graph.dump()


def check_draft(raw: Any) -> CheckedGraph:
    graph, issues = parse_graph(raw)
    issues += draft_issues(graph)
    issues += nested_id_issues(graph)
    if issues:
        raise GraphValidationError(issues)
    return CheckedGraph(graph, collect_references(graph))


def check_graph(raw: Any) -> CheckedGraph:
    graph, issues = parse_graph(raw)
    issues += draft_issues(graph)
    issues += nested_id_issues(graph)
    if issues:  # strict checks assume parsed nodes and well-joined edges
        raise GraphValidationError(issues)
    issues = strict_issues(graph)
    if issues:
        raise GraphValidationError(issues)
    return CheckedGraph(graph, collect_references(graph))

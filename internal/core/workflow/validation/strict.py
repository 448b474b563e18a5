"""Strict checks (debug and publish): one start and one end, every node on a path from start to
end, no dangling edges, no cycles (a loop is a `loop` node with a body, never a cycle), branch
handles that exist, and every reference resolving to an output of a transitive predecessor with a
compatible type (course defect #7: references to missing variables passed)."""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from ..entities.coercion import is_compatible
from ..entities.graph import Graph, GraphIssue
from ..entities.node_type import BRANCHING_TYPES, CONTAINER_TYPES, NodeType
from ..entities.nodes import BaseNode
from ..entities.outputs import list_element_type, produced_outputs
from ..entities.policies import FAIL_HANDLE, ErrorStrategy
from ..entities.variables import SYS_NODE_ID, VariableType
from .draft import _in_body, node_issue
from .node_checks import check_node

SYSTEM_VARIABLES: dict[str, VariableType] = {
    "run_id": VariableType.STRING, "workflow_id": VariableType.STRING, "account_id": VariableType.STRING,
    "timestamp": VariableType.INT, "depth": VariableType.INT,
}
MAX_NESTING = 3


@dataclass
class Scope:
    """What a graph (or a body) may reference besides its own upstream nodes."""
    outer: dict[str, dict[str, VariableType]] = field(default_factory=dict)
    titles: dict[str, str] = field(default_factory=dict)
    depth: int = 0


def branch_handles(node: BaseNode) -> list[str]:
    if node.node_type == NodeType.IF_ELSE:
        return [c.id for c in node.cases] + ["else"]
    if node.node_type == NodeType.QUESTION_CLASSIFIER:
        return [c.id for c in node.classes]
    return []


def strict_issues(graph: Graph, scope: Scope | None = None) -> list[GraphIssue]:
    scope = scope or Scope()
    issues: list[GraphIssue] = []
    by_id = {n.id: n for n in graph.nodes}
    starts = [n for n in graph.nodes if n.node_type == NodeType.START]
    ends = [n for n in graph.nodes if n.node_type == NodeType.END]
    if len(starts) != 1:
        issues.append(GraphIssue("the workflow needs exactly one start node" if not starts
                                 else "the workflow has more than one start node", field="nodes"))
    if len(ends) != 1:
        issues.append(GraphIssue("the workflow needs exactly one end node" if not ends
                                 else "the workflow has more than one end node", field="nodes"))

    succ: dict[str, list[str]] = {n.id: [] for n in graph.nodes}
    pred: dict[str, list[str]] = {n.id: [] for n in graph.nodes}
    seen_pairs: set[tuple] = set()
    handles_used: dict[str, set[str | None]] = {n.id: set() for n in graph.nodes}
    for edge in graph.edges:
        if edge.source not in by_id or edge.target not in by_id:
            continue  # reported by the draft checks
        source = by_id[edge.source]
        handle = edge.source_handle_id or None
        if edge.source == edge.target:
            issues.append(GraphIssue("an edge cannot join a node to itself", edge_id=edge.id, field="target"))
            continue
        if (edge.source, edge.target, handle) in seen_pairs:
            issues.append(GraphIssue("the same two nodes are already joined", edge_id=edge.id, field="target"))
            continue
        seen_pairs.add((edge.source, edge.target, handle))
        allowed = set(branch_handles(source)) if source.node_type in BRANCHING_TYPES else {None}
        if source.error_policy.strategy == ErrorStrategy.FAIL_BRANCH:
            allowed.add(FAIL_HANDLE)
        if handle not in allowed:
            what = "a case id or 'else'" if source.node_type == NodeType.IF_ELSE else (
                "a class id" if source.node_type == NodeType.QUESTION_CLASSIFIER else "no handle")
            extra = " ('fail' needs the error branch policy)" if handle == FAIL_HANDLE else ""
            issues.append(GraphIssue(f"source_handle_id {handle!r} is not a handle of {source.title!r}: "
                                     f"expected {what}{extra}", edge_id=edge.id, field="source_handle_id"))
            continue
        handles_used[edge.source].add(handle)
        succ[edge.source].append(edge.target)
        pred[edge.target].append(edge.source)

    for node in graph.nodes:
        if node.node_type == NodeType.START and pred[node.id]:
            issues.append(node_issue(node, "edges", "the start node cannot have incoming edges"))
        if node.node_type == NodeType.END and succ[node.id]:
            issues.append(node_issue(node, "edges", "the end node cannot have outgoing edges"))
        for handle in branch_handles(node):
            if handle not in handles_used[node.id]:
                issues.append(node_issue(node, "source_handle_id", f"the branch {handle!r} leads nowhere"))
        if node.error_policy.strategy == ErrorStrategy.FAIL_BRANCH and FAIL_HANDLE not in handles_used[node.id]:
            issues.append(node_issue(node, "error_policy", "the error branch needs an edge with source_handle_id 'fail'"))

    order = _topological(graph, pred, succ)
    if order is None:
        on_cycle = _cycle_nodes(graph, pred, succ)
        for node in graph.nodes:
            if node.id in on_cycle:
                issues.append(node_issue(node, "edges", "the node is on a cycle (repeat work with a loop node)"))
    if len(starts) == 1:
        reached = _reach(starts[0].id, succ)
        for node in graph.nodes:
            if node.id not in reached:
                issues.append(node_issue(node, "edges", "the node cannot be reached from the start node"))
    if len(ends) == 1:
        reaches_end = _reach(ends[0].id, pred)
        for node in graph.nodes:
            if node.id not in reaches_end:
                issues.append(node_issue(node, "edges", "no path leads from this node to the end node"))

    ancestors = _ancestors(order or [n.id for n in graph.nodes], pred)
    produced = {n.id: produced_outputs(n) for n in graph.nodes}
    for node in graph.nodes:
        issues.extend(check_node(node))
        if node.node_type == NodeType.START and scope.depth == 0:
            for i, var in enumerate(node.inputs):
                if var.ref is not None:
                    issues.append(node_issue(node, f"inputs[{i}].value", "start inputs come from the caller"))
        issues.extend(_reference_issues(node, ancestors.get(node.id, set()), produced, by_id, scope))
        if node.node_type in CONTAINER_TYPES:
            issues.extend(_body_issues(node, ancestors.get(node.id, set()), produced, by_id, scope))
    return issues


def _reference_issues(node, upstream, produced, by_id, scope: Scope) -> list[GraphIssue]:
    issues = []
    lists = ["inputs"] + (["outputs"] if node.node_type == NodeType.END else [])
    for key in lists:
        for i, var in enumerate(getattr(node, key)):
            ref = var.ref
            if ref is None:
                continue
            field = f"{key}[{i}].value.content"
            if not ref.ref_node_id or not ref.ref_var_name:
                issues.append(node_issue(node, field, f"choose the variable {var.name!r} refers to"))
                continue
            if ref.ref_node_id == SYS_NODE_ID:
                available, owner = SYSTEM_VARIABLES, "the system variables"
            elif ref.ref_node_id in upstream:
                available, owner = produced[ref.ref_node_id], f"node {by_id[ref.ref_node_id].title!r}"
            elif ref.ref_node_id in scope.outer:
                available, owner = scope.outer[ref.ref_node_id], f"node {scope.titles[ref.ref_node_id]!r}"
            elif ref.ref_node_id in by_id:
                issues.append(node_issue(node, field, f"{var.name!r} refers to node {by_id[ref.ref_node_id].title!r}, "
                                         "which does not run before this node"))
                continue
            else:
                issues.append(node_issue(node, field, f"{var.name!r} refers to a node that does not exist"))
                continue
            if ref.ref_var_name not in available:
                issues.append(node_issue(node, field, f"{var.name!r} refers to {ref.ref_var_name!r}, which "
                                         f"{owner} does not output"))
                continue
            source_type = available[ref.ref_var_name]
            if not is_compatible(source_type, var.type):
                issues.append(node_issue(node, field, f"{var.name!r} is of type {var.type} but {ref.ref_var_name!r} "
                                         f"of {owner} is of type {source_type}"))
    return issues


def _body_issues(node, upstream, produced, by_id, scope: Scope) -> list[GraphIssue]:
    if scope.depth + 1 > MAX_NESTING:
        return [node_issue(node, "body", f"containers nest at most {MAX_NESTING} deep")]
    body = Graph.from_subgraph(node.body)
    outer = dict(scope.outer)
    titles = dict(scope.titles)
    for ancestor in upstream:
        outer[ancestor] = produced[ancestor]
        titles[ancestor] = by_id[ancestor].title
    issues = [_in_body(node, i) for i in strict_issues(body, Scope(outer, titles, scope.depth + 1))]
    start = next((n for n in body.nodes if n.node_type == NodeType.START), None)
    end = next((n for n in body.nodes if n.node_type == NodeType.END), None)
    if node.node_type == NodeType.ITERATION:
        provided = {"item": list_element_type(node), "index": VariableType.INT}
    else:
        provided = {v.name: v.type for v in node.inputs} | {"index": VariableType.INT}
    if start is not None:
        for i, var in enumerate(start.inputs):
            if var.name not in provided:
                issues.append(node_issue(node, f"body.nodes[{start.id}].inputs[{i}].name",
                                         f"a body's start receives only {', '.join(sorted(provided))}"))
            elif not is_compatible(provided[var.name], var.type):
                issues.append(node_issue(node, f"body.nodes[{start.id}].inputs[{i}].type",
                                         f"{var.name!r} is of type {provided[var.name]} here"))
    if end is not None:
        end_out = {v.name: v.type for v in end.outputs}
        for i, var in enumerate(node.outputs):
            inner = end_out.get(var.name)
            want = var.type.element if node.node_type == NodeType.ITERATION else var.type
            if node.node_type == NodeType.LOOP and var.name not in end_out:
                continue  # a loop variable the body leaves unchanged
            if inner is None:
                issues.append(node_issue(node, f"outputs[{i}].name", f"the body's end has no output {var.name!r}"))
            elif not is_compatible(inner, want):
                issues.append(node_issue(node, f"outputs[{i}].type", f"the body's end outputs {var.name!r} "
                                         f"as {inner}, not {want}"))
    return issues


def _reach(root: str, adjacency: dict[str, list[str]]) -> set[str]:
    seen, queue = {root}, deque([root])
    while queue:
        for nxt in adjacency[queue.popleft()]:
            if nxt not in seen:
                seen.add(nxt)
                queue.append(nxt)
    return seen


def _topological(graph: Graph, pred, succ) -> list[str] | None:
    indegree = {n.id: len(pred[n.id]) for n in graph.nodes}
    queue = deque(n for n, d in indegree.items() if d == 0)
    order = []
    while queue:
        nid = queue.popleft()
        order.append(nid)
        for nxt in succ[nid]:
            indegree[nxt] -= 1
            if indegree[nxt] == 0:
                queue.append(nxt)
    return order if len(order) == len(indegree) else None


def _cycle_nodes(graph: Graph, pred, succ) -> set[str]:
    """Nodes on a cycle: what remains after peeling nodes without predecessors and without successors."""
    alive = {n.id for n in graph.nodes}
    changed = True
    while changed:
        changed = False
        for nid in list(alive):
            if not any(p in alive for p in pred[nid]) or not any(s in alive for s in succ[nid]):
                alive.discard(nid)
                changed = True
    return alive


def _ancestors(order: list[str], pred) -> dict[str, set[str]]:
    result: dict[str, set[str]] = {}
    for nid in order:
        acc: set[str] = set()
        for p in pred[nid]:
            acc.add(p)
            acc |= result.get(p, set())
        result[nid] = acc
    return result

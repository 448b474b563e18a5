"""Malformed graphs never crash the validators: every mutation either passes or is a
GraphValidationError (the console's validate_error), never another exception (a 500)."""
import copy
import json
import random
from pathlib import Path

import pytest

from internal.core.workflow.engine import WorkflowEngine
from internal.core.workflow.validation import GraphValidationError, check_draft, check_graph

UI_GRAPH = json.loads((Path(__file__).parents[2] / "fixtures" / "workflow" / "llmops_ui_graph.json").read_text())
JUNK = [None, "", "x", 0, -1, 1.5, True, [], {}, [1, "a"], {"a": {"b": None}}, "ref", "literal", "start",
        "if_else", "list[string]", "≥", "\x00", "a" * 300]


def _paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _paths(v, (*prefix, i))


def _mutate(graph, rng):
    paths = [p for p in _paths(graph) if p]
    path = rng.choice(paths)
    parent = graph
    for part in path[:-1]:
        parent = parent[part]
    key = path[-1]
    if rng.random() < 0.3 and isinstance(parent, dict):
        del parent[key]
    else:
        parent[key] = copy.deepcopy(rng.choice(JUNK))
    return graph


@pytest.mark.parametrize("seed", range(4))
def test_mutated_graphs_are_validation_errors_or_valid(seed):
    rng = random.Random(seed)
    engine = WorkflowEngine()
    for _ in range(60):
        graph = copy.deepcopy(UI_GRAPH)
        for _ in range(rng.randint(1, 4)):
            graph = _mutate(graph, rng)
        for check in (check_draft, check_graph):
            try:
                checked = check(copy.deepcopy(graph))
            except GraphValidationError as exc:
                assert exc.data["errors"] and all(e["message"] for e in exc.data["errors"])
                continue
            json.dumps(checked.dump())
            if check is check_graph:
                engine.compile(checked)


@pytest.mark.parametrize("raw", [None, "graph", 42, [], {"nodes": None}, {"nodes": {}, "edges": 1},
                                 {"nodes": [], "edges": []}, {"nodes": [None, 1, "x"], "edges": [[]]}])
def test_garbage_graphs(raw):
    for check in (check_draft, check_graph):
        try:
            check(raw)
        except GraphValidationError as exc:
            assert exc.data["errors"]


def test_mutated_graphs_that_validate_run_to_a_result(engine, caller, ports, echo_tool):
    """Whatever passes strict validation runs to a RunResult (succeeded or failed), never raises."""
    from internal.core.workflow.entities.runs import RunStatus

    echo_tool.input_schema = {"type": "object", "properties": {"query": {}}}
    ports.tools.tools[(caller.account_id, "google", "google_serper")] = echo_tool
    echo_tool._run = lambda arguments, deadline: f"found {arguments.get('query')}"
    ports.code_runner.functions[UI_GRAPH["nodes"][5]["code"]] = lambda p: {"summary": str(p.get("text"))[:9],
                                                                          "length": 3}
    inputs = [{"query": "q", "count": 3, "strict": "false"}, {"query": 5}, {}, {"query": "x", "count": "x"}]
    rng = random.Random(7)
    statuses = []
    for _ in range(150):
        graph = copy.deepcopy(UI_GRAPH)
        for _ in range(rng.randint(0, 2)):
            graph = _mutate(graph, rng)
        try:
            workflow = engine.compile(graph)
        except GraphValidationError:
            continue
        statuses.append(engine.run(workflow, rng.choice(inputs), caller=caller).status)
    assert RunStatus.SUCCEEDED in statuses and RunStatus.FAILED in statuses

"""The validation table (issue 12 "Must show"): each broken graph is a `validate_error` whose
errors name the node (or edge) and the field, and nothing is saved for publish. Problems of shape
and ids that are not the caller's are refused at the draft save (the draft stays as it was);
problems of a runnable graph at debug and publish (the workflow stays unpublished)."""
from __future__ import annotations

import copy
from pathlib import Path

import pytest

from .helpers import create_dataset, create_workflow, debug_refusal, read_frames, ref, runnable_graph, var

OPENAPI = Path(__file__).resolve().parents[2] / "fixtures" / "openapi" / "petstore-3.0.yaml"
TPL, CODE, END, START = (f"00000000-0000-4000-8000-00000000000{i}" for i in (1, 2, 3, 0))


def _cycle(g, _):
    g["edges"].append({"id": "back", "source": CODE, "source_type": "code", "target": TPL,
                       "target_type": "template_transform"})
    return g, (TPL, None, "edges")


def _dangling(g, _):
    g["edges"].append({"id": "loose", "source": CODE, "source_type": "code", "target": "nowhere", "target_type": "end"})
    return g, (None, "loose", "target")


def _no_start(g, _):
    g["nodes"] = [n for n in g["nodes"] if n["node_type"] != "start"]
    g["edges"] = [e for e in g["edges"] if e["source"] != START]
    return g, (None, None, "nodes")


def _unreachable_end(g, _):
    g["edges"] = [e for e in g["edges"] if e["target"] != END]
    return g, (END, None, None)


def _bad_reference(g, _):
    g["nodes"][1]["inputs"][0]["value"] = ref(START, "no_such_input")
    return g, (TPL, None, "inputs")


def _type_mismatch(g, _):
    g["nodes"][3]["outputs"].append(var("number", "int", ref(TPL, "output")))
    return g, (END, None, "outputs")


def _unknown_type(g, _):
    g["nodes"].append({"id": "alien", "node_type": "teleport", "title": "?", "position": {"x": 0, "y": 0}})
    return g, ("alien", None, "node_type")


def _dataset_node(dataset_id: str) -> dict:
    return {"id": "ds", "node_type": "dataset_retrieval", "title": "知识库", "description": "",
            "position": {"x": 0, "y": 0}, "dataset_ids": [dataset_id],
            "retrieval_config": {"retrieval_strategy": "semantic", "k": 4, "score": 0},
            "inputs": [var("query", "string", ref(START, "query"))], "outputs": [var("combine_documents")]}


def _tool_node(tool_type: str, provider_id: str, tool_id: str) -> dict:
    return {"id": "tool", "node_type": "tool", "title": "插件", "description": "", "position": {"x": 0, "y": 0},
            "tool_type": tool_type, "provider_id": provider_id, "tool_id": tool_id, "params": {},
            "inputs": [var("query", "string", ref(START, "query"))], "outputs": [var("text")]}


def _others_dataset(g, other):
    g["nodes"].append(_dataset_node(create_dataset(other)))
    return g, ("ds", None, "dataset_ids[0]")


def _others_api_tool(g, other):
    resp = other.post("/api-tools", json={"name": "pets", "icon": "https://icons.test/p.png",
                                          "openapi_schema": OPENAPI.read_text()})
    assert resp["code"] == "success", resp
    g["nodes"].append(_tool_node("api_tool", resp["data"]["id"], "listPets"))
    return g, ("tool", None, "tool_id")


def _others_workflow(g, other):
    g["nodes"].append(_tool_node("workflow", create_workflow(other), ""))
    return g, ("tool", None, "provider_id")


CASES = {"cycle": _cycle, "dangling edge": _dangling, "no start": _no_start, "unreachable end": _unreachable_end,
         "bad reference": _bad_reference, "type mismatch": _type_mismatch, "unknown node type": _unknown_type,
         "another tenant's dataset": _others_dataset, "another tenant's API tool": _others_api_tool,
         "another tenant's workflow": _others_workflow}


def _named(errors: list[dict], node_id, edge_id, field) -> bool:
    for e in errors:
        if node_id is not None and e["node_id"] != node_id:
            continue
        if edge_id is not None and e["edge_id"] != edge_id:
            continue
        if field is not None and not (e["field"] or "").startswith(field):
            continue
        if e["field"] or e["node_id"] or e["edge_id"]:
            return True
    return False


@pytest.mark.parametrize("case", list(CASES))
def test_each_broken_graph_is_a_named_validate_error_and_nothing_is_published(console, other_console, case):
    wf_id = create_workflow(console)
    valid = runnable_graph()
    assert console.post(f"/workflows/{wf_id}/draft-graph", json=valid)["code"] == "success"
    read_frames(console.http.post(f"/workflows/{wf_id}/debug", json={"query": "q"}, headers=console.account.headers))
    assert console.get(f"/workflows/{wf_id}")["data"]["is_debug_passed"] is True

    broken, where = CASES[case](copy.deepcopy(valid), other_console)
    saved = console.post(f"/workflows/{wf_id}/draft-graph", json=broken)
    if saved["code"] == "validate_error":  # shape or ids: refused at the save, the draft unchanged
        answers = [saved]
        assert console.get(f"/workflows/{wf_id}/draft-graph")["data"] == valid
    else:  # saved as a draft; debug and publish refuse it
        assert saved["code"] == "success", saved
        answers = [debug_refusal(console, wf_id, {"query": "q"}), console.post(f"/workflows/{wf_id}/publish")]
    for answer in answers:
        assert answer["code"] == "validate_error", (case, answer)
        assert _named(answer["data"]["errors"], *where), (case, answer["data"]["errors"])
    got = console.get(f"/workflows/{wf_id}")["data"]
    assert got["status"] == "draft" and got["published_at"] == 0

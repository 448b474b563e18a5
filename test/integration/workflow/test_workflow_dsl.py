"""Export as YAML DSL and import as a new draft: the graph comes back equal, the importing
account's own ids pass, anyone else's are named, unsafe YAML is refused, nothing is half-made."""
from __future__ import annotations

import yaml

from .helpers import create_dataset, create_workflow, ui_graph


def test_export_then_import_reads_back_equal(console):
    wf_id = create_workflow(console, "售后", "after_sales")
    graph = ui_graph(create_dataset(console))
    console.post(f"/workflows/{wf_id}/draft-graph", json=graph)
    exported = console.get(f"/workflows/{wf_id}/export")["data"]["dsl"]
    doc = yaml.safe_load(exported)
    assert doc["kind"] == "llmops-workflow" and doc["workflow"]["tool_call_name"] == "after_sales"

    taken = console.post("/workflows/import", json={"dsl": exported})
    assert taken["code"] == "validate_error" and taken["message"].startswith("tool_call_name")
    doc["workflow"]["tool_call_name"] = "after_sales_copy"
    new_id = console.post("/workflows/import", json={"dsl": yaml.safe_dump(doc, allow_unicode=True)})["data"]["id"]
    assert console.get(f"/workflows/{new_id}/draft-graph")["data"] == graph
    got = console.get(f"/workflows/{new_id}")["data"]
    assert got["status"] == "draft" and got["is_debug_passed"] is False and got["name"] == "售后"


def test_an_import_rechecks_every_id_against_the_importing_account(console, other_console):
    wf_id = create_workflow(console)
    console.post(f"/workflows/{wf_id}/draft-graph", json=ui_graph(create_dataset(console)))
    exported = console.get(f"/workflows/{wf_id}/export")["data"]["dsl"]
    refused = other_console.post("/workflows/import", json={"dsl": exported})
    assert refused["code"] == "validate_error"
    [error] = refused["data"]["errors"]
    assert error["field"] == "dataset_ids[0]" and error["node_id"] == "18d9c8ad-0d43-4d4e-a0b8-a6e0c4b0a002"
    assert other_console.get("/workflows")["data"]["list"] == []  # nothing created


def test_bad_documents_are_refused_by_field(console):
    bomb = "a: &a [x, x]\nb: &b [*a, *a]\nc: [*b, *b]\n"
    cases = {"not: [valid": "dsl", bomb: "dsl", "kind: other\nversion: 1\n": "kind",
             "!!python/object/apply:os.system ['true']": "dsl"}
    for text, field in cases.items():
        resp = console.post("/workflows/import", json={"dsl": text})
        assert resp["code"] == "validate_error" and resp["data"]["errors"][0]["field"] == field, (text, resp)
    icon = yaml.safe_dump({"kind": "llmops-workflow", "version": 1, "graph": {"nodes": [], "edges": []},
                           "workflow": {"name": "n", "tool_call_name": "n", "icon": "javascript:alert(1)"}})
    resp = console.post("/workflows/import", json={"dsl": icon})
    assert resp["code"] == "validate_error" and resp["data"]["errors"][0]["field"] == "workflow.icon"
    assert console.get("/workflows")["data"]["list"] == []

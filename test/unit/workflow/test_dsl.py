"""YAML DSL export/import."""
import copy
import json
from pathlib import Path

import pytest
import yaml

from internal.core.workflow.dsl import MAX_DSL_BYTES, export_dsl, import_dsl
from internal.core.workflow.validation import GraphValidationError

UI_GRAPH = json.loads((Path(__file__).parents[2] / "fixtures" / "workflow" / "llmops_ui_graph.json").read_text())
META = {"name": "问答助手", "tool_call_name": "qa_helper", "description": "answers", "icon": "https://i.example/x.png"}


def test_export_then_import_gives_back_the_same_workflow():
    text = export_dsl(graph=copy.deepcopy(UI_GRAPH), **META)
    assert "问答助手" in text  # readable, not escaped
    dsl = import_dsl(text)
    assert (dsl.name, dsl.tool_call_name, dsl.description, dsl.icon) == tuple(META.values())
    assert json.dumps(dsl.graph, sort_keys=True) == json.dumps(UI_GRAPH, sort_keys=True)
    assert [r.value.provider_id for r in dsl.references.tools] == ["google"]
    assert [r.value for r in dsl.references.datasets] == ["6a0f4c2e-8d1b-4f6e-9c3a-2b7d5e8f1a10"]
    assert import_dsl(text.encode("utf-8")).graph == dsl.graph


def _fields(text) -> set:
    with pytest.raises(GraphValidationError) as err:
        import_dsl(text)
    return {(e["node_id"], e["field"]) for e in err.value.data["errors"]}


def test_import_refuses_what_it_cannot_trust():
    assert _fields("kind: [unclosed") == {(None, "dsl")}
    assert _fields("!!python/object/apply:os.system ['id']") == {(None, "dsl")}
    assert _fields("a: &x [1, 2]\nb: *x\n") == {(None, "dsl")}
    assert _fields("kind: something-else\nversion: 1\n") == {(None, "kind")}
    assert _fields("kind: llmops-workflow\nversion: 99\n") == {(None, "version")}
    assert _fields(b"x" * (MAX_DSL_BYTES + 1)) == {(None, "dsl")}
    assert _fields(b"\xff\xfe") == {(None, "dsl")}


def test_import_names_every_problem():
    doc = yaml.safe_load(export_dsl(graph=copy.deepcopy(UI_GRAPH), **META))
    doc["workflow"]["tool_call_name"] = "9 bad name"
    doc["workflow"]["name"] = ""
    doc["graph"]["nodes"][2]["prompt"] = {"not": "text"}
    doc["graph"]["nodes"].append({"id": "x", "node_type": "teleport", "title": "X"})
    fields = _fields(yaml.safe_dump(doc, allow_unicode=True))
    assert {(None, "workflow.tool_call_name"), (None, "workflow.name"),
            ("18d9c8ad-0d43-4d4e-a0b8-a6e0c4b0a003", "prompt"), ("x", "node_type")} <= fields

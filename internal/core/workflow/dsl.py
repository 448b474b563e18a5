"""Workflow DSL: a workflow (name, tool name, description, icon, graph) as YAML, for export and
import. Import reads with `yaml.safe_load` (no Python tags), refuses aliases (no billion-laughs
expansion when the graph is later serialized) and documents over 2 MiB, checks the graph like a
draft save (every problem named), and returns the ids the graph points at: the importing service
re-checks each one against the importing account before saving."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import yaml

from .entities.graph import GraphIssue
from .validation import GraphReferences, GraphValidationError, check_draft

DSL_KIND = "llmops-workflow"
DSL_VERSION = 1
MAX_DSL_BYTES = 2 * 1024 * 1024
TOOL_CALL_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,49}$")
META_LIMITS = {"name": 50, "description": 1024, "icon": 2048}


@dataclass
class WorkflowDsl:
    name: str
    tool_call_name: str
    description: str
    icon: str
    graph: dict[str, Any]
    references: GraphReferences


def export_dsl(*, name: str, tool_call_name: str, description: str, icon: str, graph: dict[str, Any]) -> str:
    doc = {"kind": DSL_KIND, "version": DSL_VERSION,
           "workflow": {"name": name, "tool_call_name": tool_call_name, "description": description, "icon": icon},
           "graph": check_draft(graph).dump()}
    return yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)


def _refuse(message: str, field: str = "dsl") -> GraphValidationError:
    return GraphValidationError([GraphIssue(message, field=field)])


def _parse(text: str) -> Any:
    try:
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            if isinstance(event, yaml.AliasEvent):
                raise _refuse("YAML aliases (*name) are not accepted in a workflow DSL")
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        raise _refuse(f"not valid YAML{where}") from None


def import_dsl(text: str | bytes) -> WorkflowDsl:
    if isinstance(text, bytes):
        if len(text) > MAX_DSL_BYTES:
            raise _refuse(f"the DSL is larger than {MAX_DSL_BYTES // 1024 // 1024} MiB")
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            raise _refuse("the DSL is not UTF-8 text") from None
    if len(text.encode("utf-8")) > MAX_DSL_BYTES:
        raise _refuse(f"the DSL is larger than {MAX_DSL_BYTES // 1024 // 1024} MiB")
    doc = _parse(text)
    if not isinstance(doc, dict) or doc.get("kind") != DSL_KIND:
        raise _refuse(f"not a workflow DSL (kind must be {DSL_KIND!r})", "kind")
    if doc.get("version") != DSL_VERSION:
        raise _refuse(f"unsupported DSL version {doc.get('version')!r} (this server reads {DSL_VERSION})", "version")
    meta = doc.get("workflow")
    if not isinstance(meta, dict):
        raise _refuse("the workflow section is missing", "workflow")
    issues = []
    values = {}
    for key in ("name", "tool_call_name", "description", "icon"):
        value = meta.get(key, "")
        if not isinstance(value, str):
            issues.append(GraphIssue("must be text", field=f"workflow.{key}"))
        elif key in META_LIMITS and len(value) > META_LIMITS[key]:
            issues.append(GraphIssue(f"at most {META_LIMITS[key]} characters", field=f"workflow.{key}"))
        values[key] = value if isinstance(value, str) else ""
    if not values["name"].strip():
        issues.append(GraphIssue("the workflow needs a name", field="workflow.name"))
    if not TOOL_CALL_NAME.match(values["tool_call_name"]):
        issues.append(GraphIssue("letters, digits and _, not starting with a digit, at most 50",
                                 field="workflow.tool_call_name"))
    try:
        checked = check_draft(doc.get("graph", {"nodes": [], "edges": []}))
    except GraphValidationError as exc:
        issues.extend(exc.issues)
        checked = None
    if issues:
        raise GraphValidationError(issues)
    return WorkflowDsl(values["name"], values["tool_call_name"], values["description"], values["icon"],
                       checked.dump(), checked.references)

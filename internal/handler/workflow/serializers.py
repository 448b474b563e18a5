"""Workflow rows in the console's shapes."""
from __future__ import annotations

from internal.model.workflow import Workflow
from internal.schema.auth_schema import unix_seconds


def dump_workflow(w: Workflow) -> dict:
    return {
        "id": str(w.id), "name": w.name, "tool_call_name": w.tool_call_name, "icon": w.icon,
        "description": w.description, "status": w.status, "is_debug_passed": w.is_debug_passed,
        "node_count": len((w.draft_graph or {}).get("nodes") or []),
        "published_at": unix_seconds(w.published_at),
        "updated_at": unix_seconds(w.updated_at), "created_at": unix_seconds(w.created_at),
    }

"""Workflow enums (docs/workflows.md)."""
from __future__ import annotations

from enum import StrEnum


class WorkflowStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"


class InvokeFrom(StrEnum):
    """Where a run came from (`workflow_result.invoke_from`)."""
    DEBUGGER = "debugger"
    SERVICE_API = "service_api"

"""Ports through which an app configuration reaches tools and workflows it references.

Tools are resolved by the tools layer (ToolResolverService, through tool_directory.py), which
checks ownership; workflows by the workflows layer once it exists (until then NoWorkflows). Both answer "not found"
for another tenant's id exactly as for a missing one. The app layer only needs to know
whether a reference is usable by the caller and how to show it in the console."""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from internal.entity.app_entity import ToolConfig


class ReferenceNotFound(Exception):
    """The referenced tool/workflow does not exist, is not the caller's, or is not usable."""


@dataclass(frozen=True)
class ToolView:
    """A tool as the console's draft-config page shows it."""
    type: str
    provider: dict[str, Any]   # {id, name, label, icon, description}
    tool: dict[str, Any]       # {id, name, label, description, params}


@dataclass(frozen=True)
class WorkflowView:
    id: str
    name: str
    icon: str = ""
    description: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


@runtime_checkable
class ToolDirectory(Protocol):
    def describe(self, account_id: uuid.UUID, ref: ToolConfig) -> ToolView:
        """Raise ReferenceNotFound unless the caller may use this tool."""


@runtime_checkable
class WorkflowDirectory(Protocol):
    def describe_published(self, account_id: uuid.UUID, workflow_id: uuid.UUID) -> WorkflowView:
        """Raise ReferenceNotFound unless the workflow is the caller's and published."""


class NoWorkflows:
    """Until the workflows layer implements WorkflowDirectory, no workflow id is usable."""

    def describe_published(self, account_id: uuid.UUID, workflow_id: uuid.UUID) -> WorkflowView:
        raise ReferenceNotFound("workflow not found")

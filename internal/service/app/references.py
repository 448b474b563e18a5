"""Ports through which an app configuration reaches tools and workflows it references.

Tools are resolved by the tools layer (`ToolResolver`, internal/core/tools/base.py), which
checks ownership; workflows by the workflows layer once it exists. Both answer "not found"
for another tenant's id exactly as for a missing one. The app layer only needs to know
whether a reference is usable by the caller and how to show it in the console."""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from internal.core.tools.base import ToolCallContext, ToolError, ToolRef, ToolResolver
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


class ResolverToolDirectory:
    """Describes a tool by resolving it through the tools layer's ToolResolver (ownership is
    the resolver's job). Without a resolver bound, no tool is usable."""

    def __init__(self, resolver: ToolResolver | None = None) -> None:
        self.resolver = resolver

    def describe(self, account_id: uuid.UUID, ref: ToolConfig) -> ToolView:
        if self.resolver is None:
            raise ReferenceNotFound("tool not found")
        try:
            tool = self.resolver.resolve(ToolRef(type=ref.type, provider_id=ref.provider_id, tool_id=ref.tool_id,
                                                 params=ref.params), ToolCallContext(account_id=account_id))
        except (ToolError, ValueError):
            raise ReferenceNotFound("tool not found") from None
        display = getattr(tool, "display", None) or {}
        provider = {"id": ref.provider_id, "name": ref.provider_id, "label": ref.provider_id, "icon": "",
                    "description": "", **display.get("provider", {})}
        return ToolView(type=ref.type, provider=provider, tool={
            "id": ref.tool_id, "name": ref.tool_id, "label": display.get("label", ref.tool_id),
            "description": tool.description, "params": dict(ref.params)})


class NoWorkflows:
    """Until the workflows layer implements WorkflowDirectory, no workflow id is usable."""

    def describe_published(self, account_id: uuid.UUID, workflow_id: uuid.UUID) -> WorkflowView:
        raise ReferenceNotFound("workflow not found")

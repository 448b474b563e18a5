"""Injector bindings of workflows (docs/workflows.md): the apps layer's WorkflowDirectory (apps
may use the caller's published workflows) and the tool resolver with published workflows as a
tool type. Listed after AppModule in create_app, whose placeholder binding this one replaces."""
from __future__ import annotations

from injector import Binder, Module, singleton

from internal.service.app.references import WorkflowDirectory
from internal.service.tool.tool_resolver_service import ToolResolverService
from internal.service.workflow.directory import PublishedWorkflows
from internal.service.workflow.tool_resolver import WorkflowAwareToolResolver


class WorkflowModule(Module):
    def configure(self, binder: Binder) -> None:
        binder.bind(WorkflowDirectory, to=PublishedWorkflows, scope=singleton)
        binder.bind(ToolResolverService, to=WorkflowAwareToolResolver)

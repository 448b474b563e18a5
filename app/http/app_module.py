"""Injector bindings of the apps feature (docs/apps.md): the ports through which app configs
reach tools and workflows, and the builtin app templates."""
from __future__ import annotations

from injector import Binder, Module, singleton

from internal.core.builtin_apps import BuiltinAppCatalog
from internal.service.app.references import NoWorkflows, ToolDirectory, WorkflowDirectory
from internal.service.app.tool_directory import ConsoleToolDirectory


class AppModule(Module):
    def configure(self, binder: Binder) -> None:
        binder.bind(BuiltinAppCatalog, to=BuiltinAppCatalog(), scope=singleton)
        binder.bind(ToolDirectory, to=ConsoleToolDirectory, scope=singleton)
        # the workflows layer binds its own implementation here once it exists
        binder.bind(WorkflowDirectory, to=NoWorkflows(), scope=singleton)

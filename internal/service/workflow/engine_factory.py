"""Builds a WorkflowEngine for one run with the platform's ports (engine_ports.py) and a store.

One engine per run: its ports and store are bound to the app serving the run (AppScope), and its
thread pool (started only when branches run in parallel) is shut down when the run ends."""
from __future__ import annotations

from dataclasses import dataclass

from injector import inject

from internal.core.language_model import LanguageModelCatalog
from internal.core.tools.http_clients import ToolHttpClients
from internal.core.workflow.engine import RunLimits, WorkflowEngine
from internal.core.workflow.ports import CheckpointStore, EnginePorts
from internal.service.chat_model_factory import ChatModelFactory
from internal.service.dataset_service import DatasetService
from internal.service.tool.tool_resolver_service import ToolResolverService
from pkg.sandbox import CodeSandbox

from .app_scope import AppScope
from .engine_ports import DatasetRetrieverPort, GatewayChatModels, GuardedHttpPort, SandboxCodeRunner
from .scoped_tools import ScopedToolResolver


@inject
@dataclass
class WorkflowEngineFactory:
    chat_models: ChatModelFactory
    catalog: LanguageModelCatalog
    datasets: DatasetService
    tools: ToolResolverService
    http_clients: ToolHttpClients
    sandbox: CodeSandbox

    def ports(self, scope: AppScope) -> EnginePorts:
        return EnginePorts(
            chat_models=GatewayChatModels(self.chat_models, self.catalog, scope),
            tools=ScopedToolResolver(self.tools, scope),
            retriever=DatasetRetrieverPort(self.datasets, scope),
            http=GuardedHttpPort(self.http_clients.guarded),
            code_runner=SandboxCodeRunner(self.sandbox),
        )

    def build(self, scope: AppScope, store: CheckpointStore | None = None,
              limits: RunLimits | None = None) -> WorkflowEngine:
        return WorkflowEngine(self.ports(scope), store=store, limits=limits or RunLimits(), max_workers=8)

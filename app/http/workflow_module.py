"""Injector bindings of workflows (docs/workflows.md): the apps layer's WorkflowDirectory (apps
may use the caller's published workflows), the tool resolver with published workflows as a
tool type, the run channel (frames, leases, stop flags of runs) and where runs execute
(`WORKFLOW_RUNS_ON`: Celery workers or this process). Listed after AppModule in create_app,
whose placeholder binding this one replaces."""
from __future__ import annotations

import redis
from celery import Celery
from injector import Binder, Module, provider, singleton

from config import Config
from internal.core.streaming import ChannelSettings, InProcessStreamChannel, RedisStreamChannel
from internal.service.app.references import WorkflowDirectory
from internal.service.tool.tool_resolver_service import ToolResolverService
from internal.service.workflow.compiled_graphs import CompiledGraphs
from internal.service.workflow.directory import PublishedWorkflows
from internal.service.workflow.run_channel import KEY_PREFIX, WorkflowRunChannel
from internal.service.workflow.run_executor import WorkflowRunExecutor
from internal.service.workflow.run_launcher import InProcessRunLauncher, RunLauncher, WorkerRunLauncher
from internal.service.workflow.run_slots import RunSlots
from internal.service.workflow.tool_resolver import WorkflowAwareToolResolver


class WorkflowModule(Module):
    def __init__(self, conf: Config):
        self.conf = conf

    @singleton
    @provider
    def run_channel(self, client: redis.Redis) -> WorkflowRunChannel:
        """Frames, leases and stop flags of runs: Redis when REDIS_URL is set, in-process otherwise."""
        conf = self.conf
        settings = ChannelSettings(key_prefix=KEY_PREFIX, stream_maxlen=conf.AGENT_STREAM_MAXLEN,
                                   stream_ttl_s=conf.AGENT_STREAM_TTL_SECONDS, lease_ttl_s=conf.AGENT_LEASE_SECONDS)
        if conf.REDIS_URL:
            return WorkflowRunChannel(RedisStreamChannel(
                client, settings, reader_connections=conf.AGENT_STREAM_READER_CONNECTIONS,
                client_name="llmops-workflow-stream"))
        return WorkflowRunChannel(InProcessStreamChannel(settings))

    @singleton
    @provider
    def run_launcher(self, celery: Celery, executor: WorkflowRunExecutor, slots: RunSlots) -> RunLauncher:
        """Debug and API runs: on Celery workers (production) or on threads of this process."""
        if self.conf.workflow_runs_on_workers:
            if not self.conf.REDIS_URL:
                raise ValueError("WORKFLOW_RUNS_ON=worker needs REDIS_URL (the run channel every process shares)")
            return WorkerRunLauncher(celery)
        return InProcessRunLauncher(executor, slots)

    def configure(self, binder: Binder) -> None:
        binder.bind(WorkflowDirectory, to=PublishedWorkflows, scope=singleton)
        binder.bind(ToolResolverService, to=WorkflowAwareToolResolver)
        binder.bind(CompiledGraphs, to=CompiledGraphs(), scope=singleton)  # one per process
        binder.bind(RunSlots, to=RunSlots(), scope=singleton)  # one per process

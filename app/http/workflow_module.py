"""Injector bindings of workflows (docs/workflows.md): the apps layer's WorkflowDirectory (apps
may use the caller's published workflows), the tool resolver with published workflows as a
tool type, and the channel of run leases (the recovery sweep). Listed after AppModule in
create_app, whose placeholder binding this one replaces."""
from __future__ import annotations

import redis
from injector import Binder, Module, provider, singleton

from config import Config
from internal.core.streaming import ChannelSettings, InProcessStreamChannel, RedisStreamChannel
from internal.service.app.references import WorkflowDirectory
from internal.service.tool.tool_resolver_service import ToolResolverService
from internal.service.workflow.compiled_graphs import CompiledGraphs
from internal.service.workflow.directory import PublishedWorkflows
from internal.service.workflow.run_channel import KEY_PREFIX, WorkflowRunChannel
from internal.service.workflow.run_slots import RunSlots
from internal.service.workflow.tool_resolver import WorkflowAwareToolResolver


class WorkflowModule(Module):
    def __init__(self, conf: Config):
        self.conf = conf

    @singleton
    @provider
    def run_channel(self, client: redis.Redis) -> WorkflowRunChannel:
        """Leases and stop flags of runs: Redis when REDIS_URL is set, in-process otherwise."""
        conf = self.conf
        settings = ChannelSettings(key_prefix=KEY_PREFIX, stream_maxlen=conf.AGENT_STREAM_MAXLEN,
                                   stream_ttl_s=conf.AGENT_STREAM_TTL_SECONDS, lease_ttl_s=conf.AGENT_LEASE_SECONDS)
        return WorkflowRunChannel(RedisStreamChannel(client, settings) if conf.REDIS_URL
                                  else InProcessStreamChannel(settings))

    def configure(self, binder: Binder) -> None:
        binder.bind(WorkflowDirectory, to=PublishedWorkflows, scope=singleton)
        binder.bind(ToolResolverService, to=WorkflowAwareToolResolver)
        binder.bind(CompiledGraphs, to=CompiledGraphs(), scope=singleton)  # one per process
        binder.bind(RunSlots, to=RunSlots(), scope=singleton)  # one per process

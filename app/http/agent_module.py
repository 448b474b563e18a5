"""Injector bindings of the agent runtime (docs/agents.md): the task stream channel — Redis
Streams when REDIS_URL is set, in-process otherwise — and the runner that publishes to it."""
from __future__ import annotations

import redis
from injector import Module, provider, singleton

from config import Config
from internal.core.agent.runner import AgentRunner
from internal.core.streaming import ChannelSettings, InProcessStreamChannel, RedisStreamChannel, StreamChannel


class AgentModule(Module):
    def __init__(self, conf: Config):
        self.conf = conf

    @singleton
    @provider
    def stream_channel(self, client: redis.Redis) -> StreamChannel:
        conf = self.conf
        settings = ChannelSettings(stream_maxlen=conf.AGENT_STREAM_MAXLEN, stream_ttl_s=conf.AGENT_STREAM_TTL_SECONDS,
                                   lease_ttl_s=conf.AGENT_LEASE_SECONDS)
        if conf.REDIS_URL:
            return RedisStreamChannel(client, settings, reader_connections=conf.AGENT_STREAM_READER_CONNECTIONS)
        return InProcessStreamChannel(settings)

    @singleton
    @provider
    def agent_runner(self, channel: StreamChannel) -> AgentRunner:
        return AgentRunner(channel, stop_poll_s=self.conf.AGENT_STOP_POLL_SECONDS)

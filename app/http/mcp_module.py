"""Bindings of the MCP client: one private event-loop thread per process (started on first use)
and the client that connects through the process's SSRF guard. Under gunicorn's gevent worker,
where asyncio cannot run, the same client runs in a helper process (docs/tools.md, "MCP servers")."""
from __future__ import annotations

from injector import Module, provider, singleton

from config import Config
from internal.core.tools.mcp import EventLoopThread, McpClient
from internal.core.tools.mcp.subprocess_client import SubprocessMcpClient
from pkg.cooperative import under_gevent
from pkg.ssrf import SsrfGuard


class McpModule(Module):
    @singleton
    @provider
    def event_loop_thread(self) -> EventLoopThread:
        return EventLoopThread()

    @singleton
    @provider
    def mcp_client(self, conf: Config, guard: SsrfGuard, loop: EventLoopThread) -> McpClient:
        if under_gevent():  # the helper builds the same guard from the same allow-list
            return SubprocessMcpClient(conf.SSRF_ALLOWED_HOSTS)
        return McpClient(guard, loop)

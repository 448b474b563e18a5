"""Bindings of the API tools: the outbound HTTP client every API tool call goes through (the SSRF
guard with the configured allow-list, API tool timeouts and size cap), and the process-wide
cache of compiled operation specs."""
from __future__ import annotations

from injector import Module, provider, singleton

from config import Config
from internal.core.tools.api_tools import CompiledOperations, OutboundHttp
from internal.core.tools.api_tools.guarded_http import GuardedOutboundHttp
from pkg.ssrf import GuardedHttpClient, SsrfGuard


class ApiToolModule(Module):
    @singleton
    @provider
    def outbound_http(self, conf: Config, guard: SsrfGuard) -> OutboundHttp:
        # the process-wide guard of ToolsModule (allow-list from SSRF_ALLOWED_HOSTS)
        client = GuardedHttpClient(guard,
                                   timeout=conf.API_TOOL_READ_TIMEOUT_SECONDS,
                                   connect_timeout=conf.API_TOOL_CONNECT_TIMEOUT_SECONDS,
                                   max_bytes=conf.API_TOOL_MAX_RESPONSE_BYTES, max_redirects=0)
        return GuardedOutboundHttp(client)

    @singleton
    @provider
    def compiled_operations(self) -> CompiledOperations:
        return CompiledOperations()

"""Bindings of the tool layer: the SSRF guard (one per process, allow-list from config), the
shared outbound clients, the builtin tool catalog and its settings. Tests override `SsrfGuard`
with one whose resolver/connector are seams (test/support/ssrf_fakes.py)."""
from __future__ import annotations

from injector import Module, provider, singleton

from config import Config
from internal.core.tools.builtin import BuiltinCatalog, BuiltinSettings
from internal.core.tools.http_clients import ToolHttpClients
from pkg.ssrf import SsrfGuard


class ToolsModule(Module):
    def __init__(self, conf: Config) -> None:
        self.conf = conf

    @singleton
    @provider
    def ssrf_guard(self) -> SsrfGuard:
        return SsrfGuard(self.conf.SSRF_ALLOWED_HOSTS)

    @singleton
    @provider
    def tool_http_clients(self, guard: SsrfGuard) -> ToolHttpClients:
        return ToolHttpClients.build(guard, timeout=self.conf.OUTBOUND_TIMEOUT_SECONDS,
                                     max_bytes=self.conf.TOOL_HTTP_MAX_BYTES)

    @singleton
    @provider
    def builtin_catalog(self) -> BuiltinCatalog:
        return BuiltinCatalog()

    @singleton
    @provider
    def builtin_settings(self) -> BuiltinSettings:
        c = self.conf
        return BuiltinSettings(search_base_url=c.TOOL_SEARCH_BASE_URL, wikipedia_base_url=c.TOOL_WIKIPEDIA_BASE_URL,
                               weather_base_url=c.TOOL_WEATHER_BASE_URL, image_model=c.TOOL_IMAGE_MODEL,
                               http_max_bytes=c.TOOL_HTTP_MAX_BYTES)

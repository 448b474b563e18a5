"""The two outbound clients tools share (built once: TLS contexts and pools are not free).

`guarded` vets every destination with the SSRF guard (URLs that users or models choose);
`trusted` is for operator-configured third-party base URLs (search, Wikipedia, weather), with
the same timeouts and size caps but no address check.
"""
from __future__ import annotations

from dataclasses import dataclass

from pkg.ssrf import GuardedHttpClient, OutboundHttpClient, SsrfGuard


@dataclass
class ToolHttpClients:
    guarded: OutboundHttpClient
    trusted: OutboundHttpClient

    @classmethod
    def build(cls, guard: SsrfGuard, *, timeout: float = 30.0, max_bytes: int = 2 * 1024 * 1024) -> ToolHttpClients:
        return cls(guarded=GuardedHttpClient(guard, timeout=timeout, max_bytes=max_bytes),
                   trusted=OutboundHttpClient(None, timeout=timeout, max_bytes=max_bytes))

"""The one outbound guard for user-controlled URLs (DESIGN §4, issue 10 §6).

- `SsrfGuard`: the decision (resolve, refuse non-public addresses and odd numeric spellings,
  allow-list) and `connect()` to a vetted address; resolver and connector are injectable.
- `GuardedHttpClient` / `OutboundHttpClient`: a synchronous request facade with timeouts, a
  size cap and vetted redirects.
- `guarded_transport` / `guarded_async_transport` (+ `guarded_httpx_client`,
  `guarded_async_httpx_client`): httpx transports for SDK clients.
"""
from .client import GuardedHttpClient, GuardedResponse, OutboundHttpClient, OutboundResponse, OutboundTimeout
from .guard import (
    BlockedAddressError,
    OutboundError,
    SsrfGuard,
    is_blocked_ip,
    is_noncanonical_numeric_host,
    literal_host_blocked,
    split_url,
    system_connector,
    system_resolver,
)
from .transport import (
    AsyncGuardedNetworkBackend,
    GuardedNetworkBackend,
    guarded_async_httpx_client,
    guarded_async_transport,
    guarded_httpx_client,
    guarded_transport,
)

__all__ = [
    "GuardedHttpClient", "GuardedResponse", "OutboundHttpClient", "OutboundResponse", "OutboundTimeout",
    "BlockedAddressError", "OutboundError", "SsrfGuard", "is_blocked_ip", "is_noncanonical_numeric_host",
    "literal_host_blocked", "split_url", "system_connector", "system_resolver", "AsyncGuardedNetworkBackend",
    "GuardedNetworkBackend", "guarded_async_httpx_client", "guarded_async_transport", "guarded_httpx_client",
    "guarded_transport",
]

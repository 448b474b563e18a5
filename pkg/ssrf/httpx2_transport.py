"""The guarded async transport for clients built on httpx2 (the `mcp` SDK's HTTP stack).

httpx2/httpcore2 are the maintained continuation of httpx/httpcore with the same seams, so the
decision is the one of `transport.py`: httpcore2 asks our network backend for a TCP connection
and gets a socket the guard connected to a vetted address (no second DNS lookup to rebind).
"""
from __future__ import annotations

import functools
import ssl
import typing

import anyio
import anyio.abc
import anyio.to_thread
import certifi
import httpcore2
import httpx2
from httpcore2._backends.anyio import AnyIOStream

from .guard import BlockedAddressError, SsrfGuard
from .transport import open_vetted


class AsyncGuardedNetworkBackend2(httpcore2.AsyncNetworkBackend):
    def __init__(self, guard: SsrfGuard) -> None:
        self.guard = guard

    async def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                          local_address: str | None = None,
                          socket_options: typing.Iterable[typing.Any] | None = None) -> httpcore2.AsyncNetworkStream:
        # resolve + connect block: a worker thread, then the connected socket goes to AnyIO
        sock = await anyio.to_thread.run_sync(functools.partial(
            open_vetted, self.guard, host, port, timeout, socket_options,
            timeout_error=httpcore2.ConnectTimeout, connect_error=httpcore2.ConnectError))
        sock.setblocking(False)
        return AnyIOStream(await anyio.abc.SocketStream.from_socket(sock))

    async def connect_unix_socket(self, path: str, timeout: float | None = None,
                                  socket_options: typing.Iterable[typing.Any] | None = None) -> httpcore2.AsyncNetworkStream:
        raise BlockedAddressError("unix sockets are not allowed")

    async def sleep(self, seconds: float) -> None:
        await anyio.sleep(seconds)


def guarded_async_httpx2_client(guard: SsrfGuard, *, headers: dict[str, str] | None = None,
                                timeout: httpx2.Timeout | None = None, auth: httpx2.Auth | None = None) -> httpx2.AsyncClient:
    """An httpx2.AsyncClient whose every connection is vetted; no environment proxies, no redirects
    (the MCP transports follow same-origin redirects themselves, and each hop connects through us)."""
    transport = httpx2.AsyncHTTPTransport(trust_env=False)
    transport._pool = httpcore2.AsyncConnectionPool(  # the documented seam: network_backend
        ssl_context=ssl.create_default_context(cafile=certifi.where()), max_connections=20,
        max_keepalive_connections=5, keepalive_expiry=5.0, network_backend=AsyncGuardedNetworkBackend2(guard))
    return httpx2.AsyncClient(transport=transport, trust_env=False, follow_redirects=False, headers=headers,
                              timeout=timeout if timeout is not None else httpx2.Timeout(30.0), auth=auth)

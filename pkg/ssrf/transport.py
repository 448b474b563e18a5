"""httpx transports whose every connection goes through an SsrfGuard.

httpcore asks its network backend for a TCP connection to (host, port); our backend answers
with a socket the guard connected to a vetted address (`SsrfGuard.connect`), so there is no
second DNS lookup to rebind. TLS still verifies the certificate against the URL's host name.
Each redirect hop is a new request, so it is checked again when its connection is opened.

`guarded_transport(guard)` / `guarded_async_transport(guard)` are for SDK clients that take
an httpx transport (`httpx.Client(transport=...)`, `httpx.AsyncClient(transport=...)`).
"""
from __future__ import annotations

import functools
import ssl
import time
import typing

import anyio
import anyio.abc
import anyio.to_thread
import certifi
import httpcore
import httpx
from httpcore._backends.anyio import AnyIOStream
from httpcore._backends.sync import SyncStream

from .guard import BlockedAddressError, SsrfGuard

SOCKET_OPTION = typing.Any  # httpcore passes (level, option, value) tuples


def _ssl_context() -> ssl.SSLContext:
    return ssl.create_default_context(cafile=certifi.where())


def open_vetted(guard: SsrfGuard, host: str, port: int, timeout: float | None,
                socket_options: typing.Iterable[SOCKET_OPTION] | None, *,
                timeout_error: type[Exception] = httpcore.ConnectTimeout,
                connect_error: type[Exception] = httpcore.ConnectError):
    """A socket the guard connected to a vetted address; failures as the HTTP stack's own errors
    (httpcore's here, httpcore2's for the httpx2 transport)."""
    try:
        sock = guard.connect(host, port, timeout)
    except BlockedAddressError:
        raise
    except TimeoutError as e:
        raise timeout_error(f"connect to {host}:{port} timed out") from e
    except OSError as e:
        raise connect_error(f"connect to {host}:{port} failed: {type(e).__name__}") from e
    for option in socket_options or ():
        sock.setsockopt(*option)
    return sock



class GuardedNetworkBackend(httpcore.NetworkBackend):
    def __init__(self, guard: SsrfGuard) -> None:
        self.guard = guard

    def connect_tcp(self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
                    socket_options: typing.Iterable[SOCKET_OPTION] | None = None) -> httpcore.NetworkStream:
        return SyncStream(open_vetted(self.guard, host, port, timeout, socket_options))

    def connect_unix_socket(self, path: str, timeout: float | None = None,
                            socket_options: typing.Iterable[SOCKET_OPTION] | None = None) -> httpcore.NetworkStream:
        raise BlockedAddressError("unix sockets are not allowed")

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


class AsyncGuardedNetworkBackend(httpcore.AsyncNetworkBackend):
    """The same decision for asyncio/trio clients: resolve + connect run in a worker thread (they
    block), then the connected socket is handed to AnyIO."""

    def __init__(self, guard: SsrfGuard) -> None:
        self.guard = guard

    async def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                          local_address: str | None = None,
                          socket_options: typing.Iterable[SOCKET_OPTION] | None = None) -> httpcore.AsyncNetworkStream:
        sock = await anyio.to_thread.run_sync(functools.partial(open_vetted, self.guard, host, port, timeout, socket_options))
        sock.setblocking(False)
        stream = await anyio.abc.SocketStream.from_socket(sock)
        return AnyIOStream(stream)

    async def connect_unix_socket(self, path: str, timeout: float | None = None,
                                  socket_options: typing.Iterable[SOCKET_OPTION] | None = None) -> httpcore.AsyncNetworkStream:
        raise BlockedAddressError("unix sockets are not allowed")

    async def sleep(self, seconds: float) -> None:
        await anyio.sleep(seconds)


def guarded_transport(guard: SsrfGuard, *, max_connections: int = 100, max_keepalive: int = 20,
                      keepalive_expiry: float = 5.0) -> httpx.HTTPTransport:
    transport = httpx.HTTPTransport(trust_env=False)
    transport._pool = httpcore.ConnectionPool(  # the one documented seam httpcore offers: network_backend
        ssl_context=_ssl_context(), max_connections=max_connections, max_keepalive_connections=max_keepalive,
        keepalive_expiry=keepalive_expiry, network_backend=GuardedNetworkBackend(guard))
    return transport


def guarded_async_transport(guard: SsrfGuard, *, max_connections: int = 100, max_keepalive: int = 20,
                            keepalive_expiry: float = 5.0) -> httpx.AsyncHTTPTransport:
    transport = httpx.AsyncHTTPTransport(trust_env=False)
    transport._pool = httpcore.AsyncConnectionPool(
        ssl_context=_ssl_context(), max_connections=max_connections, max_keepalive_connections=max_keepalive,
        keepalive_expiry=keepalive_expiry, network_backend=AsyncGuardedNetworkBackend(guard))
    return transport


def guarded_httpx_client(guard: SsrfGuard, **kwargs: typing.Any) -> httpx.Client:
    """An httpx.Client for SDKs: guarded connections, no environment proxies, no redirects by default
    (with follow_redirects=True every hop is still vetted when it connects)."""
    kwargs.setdefault("follow_redirects", False)
    return httpx.Client(transport=guarded_transport(guard), trust_env=False, **kwargs)


def guarded_async_httpx_client(guard: SsrfGuard, **kwargs: typing.Any) -> httpx.AsyncClient:
    kwargs.setdefault("follow_redirects", False)
    return httpx.AsyncClient(transport=guarded_async_transport(guard), trust_env=False, **kwargs)

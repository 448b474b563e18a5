"""Seams for SSRF tests: decide what names resolve to and where a connection really lands,
without sending a packet to any non-loopback address.

- `FakeResolver({"name": ["ip", ...]})`: the resolver seam (unknown names fail to resolve).
- `RoutingConnector(routes, trap)`: the connector seam. A vetted (ip, port) listed in `routes`
  is connected to the given local server; anything else lands on the trap server, which records
  the connection so a test fails if the guard let something through that it should not have.
- `TrapServer`: a loopback listener that counts connections and answers 418.
"""
from __future__ import annotations

import socket
import threading
from collections.abc import Mapping

from injector import Module, provider, singleton

from pkg.ssrf import SsrfGuard

# Documentation/benchmark-free public addresses; never contacted (the connector reroutes them).
PUBLIC_IP = "93.184.216.34"
PUBLIC_IP_2 = "151.101.1.69"


class FakeResolver:
    def __init__(self, names: Mapping[str, list[str]]) -> None:
        self.names = {k.lower(): list(v) for k, v in names.items()}
        self.calls: list[str] = []

    def __call__(self, host: str, port: int) -> list[str]:
        from pkg.ssrf import BlockedAddressError

        self.calls.append(host)
        if host.lower() not in self.names:
            raise BlockedAddressError(f"cannot resolve {host}")
        return self.names[host.lower()]


class TrapServer:
    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.hits = 0
        self._stop = False
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            if self._stop:
                conn.close()
                return
            self.hits += 1
            try:
                conn.settimeout(2)
                conn.recv(65536)
                conn.sendall(b"HTTP/1.1 418 I'm a teapot\r\nContent-Length: 4\r\nConnection: close\r\n\r\ntrap")
            except OSError:
                pass
            finally:
                conn.close()

    def close(self) -> None:
        self._stop = True
        try:
            socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
        except OSError:
            pass
        self.sock.close()
        self._thread.join(timeout=5)


class RoutingConnector:
    def __init__(self, routes: Mapping[tuple[str, int], tuple[str, int]], trap: TrapServer) -> None:
        self.routes = dict(routes)
        self.trap = trap
        self.calls: list[tuple[str, int]] = []

    def __call__(self, ip: str, port: int, timeout: float | None) -> socket.socket:
        self.calls.append((ip, port))
        target = self.routes.get((ip, port)) or ("127.0.0.1", self.trap.port)
        return socket.create_connection(target, timeout=timeout)


def route_public(server_port: int, ip: str = PUBLIC_IP, port: int = 80) -> dict[tuple[str, int], tuple[str, int]]:
    """A route table sending connections to (public ip, port) to a local server."""
    return {(ip, port): ("127.0.0.1", server_port)}


class GuardSeams(Module):
    """An injector module that makes an app use this guard (one built with the seams above)."""

    def __init__(self, guard: SsrfGuard) -> None:
        self.guard = guard

    @singleton
    @provider
    def ssrf_guard(self) -> SsrfGuard:
        return self.guard

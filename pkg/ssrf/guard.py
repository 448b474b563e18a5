"""The decision: may we connect to this URL / host, and to which addresses?

A destination is allowed when every address its host resolves to is public (globally routable,
not private, loopback, link-local incl. cloud metadata, multicast, reserved, unspecified or
shared address space; IPv4-mapped/compatible IPv6 addresses are judged by their IPv4 address),
or when the host (or host:port, or an address inside an allow-listed network) is allow-listed.
Numeric host spellings other than the canonical dotted quad (`2130706433`, `0x7f.1`, `017.0.0.1`)
are refused outright: resolvers disagree about them, and nobody types them by accident.

`connect()` resolves, vets and connects to the vetted address itself, so the name cannot be
re-resolved to something else between the check and the connection (DNS rebinding). The
resolver and the connector are seams: tests decide which addresses a name has and where a
connection actually lands, without sending packets to other hosts.
"""
from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Callable, Iterable
from urllib.parse import urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], list[str]]                      # host, port -> IP strings
Connector = Callable[[str, int, "float | None"], socket.socket]  # vetted IP, port, timeout -> connected socket

_NUMERIC_PART = re.compile(r"^(0x[0-9a-f]*|[0-9]+)$", re.IGNORECASE)
_CANONICAL_V4 = re.compile(r"^(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}$")


class OutboundError(Exception):
    """An outbound call failed; the message is safe to show (no secrets, no internals)."""


class BlockedAddressError(OutboundError, ValueError):
    """The guard refused the destination."""


def system_resolver(host: str, port: int) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as e:
        raise BlockedAddressError(f"cannot resolve {host}") from e
    seen: list[str] = []
    for info in infos:
        addr = str(info[4][0])
        if addr not in seen:
            seen.append(addr)
    return seen


def system_connector(ip: str, port: int, timeout: float | None) -> socket.socket:
    sock = socket.create_connection((ip, port), timeout=timeout)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # small request writes go out at once
    return sock


def is_blocked_ip(ip: IPAddress) -> bool:
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or _ipv4_compatible(ip)
        if embedded is not None:
            ip = embedded
    return (ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_multicast or ip.is_reserved
            or ip.is_unspecified or not ip.is_global)


def _ipv4_compatible(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    # ::a.b.c.d (deprecated IPv4-compatible form) and NAT64 64:ff9b::a.b.c.d reach IPv4 hosts too
    packed = int(ip)
    if packed >> 32 == 0 and packed > 1:
        return ipaddress.IPv4Address(packed & 0xFFFFFFFF)
    if packed >> 32 == 0x0064FF9B << 64:
        return ipaddress.IPv4Address(packed & 0xFFFFFFFF)
    return None


def is_noncanonical_numeric_host(host: str) -> bool:
    """`2130706433`, `0x7f.1`, `0177.0.0.1`, `127.1`: numeric, but not the canonical dotted quad."""
    parts = host.rstrip(".").split(".")
    if not all(_NUMERIC_PART.match(p) for p in parts) or len(parts) > 4:
        return False
    return not _CANONICAL_V4.match(host)


def default_port(scheme: str) -> int:
    return 443 if scheme == "https" else 80


class SsrfGuard:
    def __init__(self, allowed_hosts: Iterable[str] = (), *, resolver: Resolver | None = None,
                 connector: Connector | None = None) -> None:
        self.allowed: set[str] = set()
        self.allowed_networks: list[ipaddress.IPv4Network | ipaddress.IPv6Network] = []
        for entry in allowed_hosts:
            entry = (entry or "").strip().lower()
            if not entry:
                continue
            if "/" in entry:
                try:
                    self.allowed_networks.append(ipaddress.ip_network(entry, strict=False))
                    continue
                except ValueError:
                    pass
            self.allowed.add(entry)
        self.resolver = resolver or system_resolver
        self.connector = connector or system_connector

    # -- decisions -------------------------------------------------------------------------
    def is_allowed_host(self, host: str, port: int) -> bool:
        h = host.lower().strip("[]")
        return h in self.allowed or f"{h}:{port}" in self.allowed

    def _allowed_ip(self, ip: IPAddress) -> bool:
        return any(ip in net for net in self.allowed_networks)

    def resolve(self, host: str, port: int) -> list[str]:
        """Addresses to connect to; raises BlockedAddressError if the destination is not allowed."""
        h = host.lower().strip("[]")
        if not h:
            raise BlockedAddressError("the URL has no host")
        allowed = self.is_allowed_host(h, port)
        if not allowed and is_noncanonical_numeric_host(h):
            raise BlockedAddressError(f"{host} is not a canonical IP address")
        try:
            literal = ipaddress.ip_address(h.split("%")[0])
        except ValueError:
            literal = None
        addrs = [str(literal)] if literal is not None else self.resolver(h, port)
        if not addrs:
            raise BlockedAddressError(f"cannot resolve {host}")
        if allowed:
            return addrs
        for a in addrs:
            try:
                ip = ipaddress.ip_address(a.split("%")[0])
            except ValueError as e:
                raise BlockedAddressError(f"{host} resolves to an invalid address") from e
            if is_blocked_ip(ip) and not self._allowed_ip(ip):
                raise BlockedAddressError(f"{host} resolves to a non-public address")
        return addrs

    def check_url(self, url: str) -> tuple[str, str, int]:
        """Vet a URL (scheme, credentials, destination); returns (scheme, host, port)."""
        scheme, host, port = split_url(url)
        self.resolve(host, port)
        return scheme, host, port

    # -- connecting -------------------------------------------------------------------------
    def connect(self, host: str, port: int, timeout: float | None = None) -> socket.socket:
        """Resolve, vet, and connect to a vetted address (never to a second DNS answer)."""
        last: OSError | None = None
        for addr in self.resolve(host, port):
            try:
                return self.connector(addr, port, timeout)
            except OSError as e:
                last = e
        raise last or OSError("no address to connect to")


def split_url(url: str) -> tuple[str, str, int]:
    try:
        u = urlsplit(url)
        port = u.port
    except ValueError as e:
        raise BlockedAddressError("malformed URL") from e
    if u.scheme not in ("http", "https") or not u.hostname:
        raise BlockedAddressError("only http(s) URLs with a host are allowed")
    if u.username or u.password:
        raise BlockedAddressError("credentials in the URL are not allowed")
    return u.scheme, u.hostname, port or default_port(u.scheme)


def literal_host_blocked(url: str, guard: SsrfGuard) -> bool:
    """Cheap check without DNS (for validating input): an IP-literal, numeric or localhost host
    that the guard would refuse. Names are checked when connecting."""
    try:
        u = urlsplit(url)
        port = u.port or default_port(u.scheme)
    except ValueError:
        return True
    host = (u.hostname or "").lower()
    if not host or guard.is_allowed_host(host, port):
        return False
    if host == "localhost" or host.endswith(".localhost") or is_noncanonical_numeric_host(host):
        return True
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return False
    return is_blocked_ip(ip) and not guard._allowed_ip(ip)

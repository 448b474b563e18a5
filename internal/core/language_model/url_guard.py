"""SSRF guard for upstream URLs that come from users (per-account provider credentials).

Operator-configured deployments (router YAML, config credentials) are trusted. A deployment
built from an account's stored credentials is `guarded`: its host is resolved at connect time
and every address must be public (not private, loopback, link-local incl. cloud metadata,
multicast, reserved or unspecified) unless the host is allow-listed (SSRF_ALLOWED_HOSTS). The
transport then connects to the vetted address itself, so a DNS answer cannot change between
check and connect. Redirects are never followed.
"""
from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable
from urllib.parse import urlsplit


class BlockedAddressError(ValueError):
    pass


def _blocked(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return (ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_multicast or ip.is_reserved
            or ip.is_unspecified)


class UrlGuard:
    def __init__(self, allowed_hosts: Iterable[str] = ()) -> None:
        self.allowed = {h.strip().lower() for h in allowed_hosts if h and h.strip()}

    def is_allowed_host(self, host: str, port: int) -> bool:
        h = host.lower().strip("[]")
        return h in self.allowed or f"{h}:{port}" in self.allowed

    def resolve(self, host: str, port: int) -> list[str]:
        """Addresses to connect to; raises BlockedAddressError if the host is not allowed."""
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except socket.gaierror as e:
            raise BlockedAddressError(f"cannot resolve {host}") from e
        addrs = [info[4][0] for info in infos]
        if self.is_allowed_host(host, port):
            return addrs
        for a in addrs:
            if _blocked(ipaddress.ip_address(a.split("%")[0])):
                raise BlockedAddressError(f"{host} resolves to a non-public address")
        return addrs

    def check_url(self, url: str) -> None:
        u = urlsplit(url)
        if u.scheme not in ("http", "https") or not u.hostname:
            raise BlockedAddressError("only http(s) URLs with a host are allowed")
        if u.username or u.password:
            raise BlockedAddressError("credentials in the URL are not allowed")
        self.resolve(u.hostname, u.port or (443 if u.scheme == "https" else 80))


def literal_host_blocked(url: str, guard: UrlGuard) -> bool:
    """Cheap check without DNS (for validating input): an IP-literal or localhost host that the
    guard would refuse. Names are checked when connecting."""
    u = urlsplit(url)
    host = (u.hostname or "").lower()
    port = u.port or (443 if u.scheme == "https" else 80)
    if not host or guard.is_allowed_host(host, port):
        return False
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return _blocked(ipaddress.ip_address(host))
    except ValueError:
        return False

"""A small pooled HTTP/1.1 client on raw sockets, for the gateway's upstream calls.

Why not httpx / http.client here: on the hot path httpx costs ~3x and http.client ~1.5x the
CPU of this client (http.client parses headers with the e-mail parser), and the gateway must
add under 2 ms. This transport keeps idle keep-alive connections per (scheme, host, port), is
thread-safe (a connection is used by one thread at a time), applies a connect timeout and a
per-read timeout, retries once on a stale pooled connection (nothing received yet), handles
Content-Length, chunked and read-to-close bodies, and streams lines for SSE. HTTPS uses the
default SSL context. No proxies, no redirects, no compression (we do not ask for it).
"""
from __future__ import annotations

import socket
import ssl
import threading
from collections.abc import Iterator
from urllib.parse import urlsplit

_Key = tuple[str, str, int]
_MAX_HEADER = 64 * 1024


class TransportError(Exception):
    """Connection-level failure (refused, reset, malformed response...)."""


class TransportTimeout(TransportError):
    pass


class TransportBlocked(TransportError):
    """The URL guard refused the destination."""


class _Conn:
    __slots__ = ("sock", "buf", "key")

    def __init__(self, sock: socket.socket, key: _Key) -> None:
        self.sock = sock
        self.buf = bytearray()
        self.key = key

    def fill(self) -> bool:
        """Read more bytes into the buffer; False on EOF."""
        try:
            data = self.sock.recv(65536)
        except TimeoutError as e:
            raise TransportTimeout("read timed out") from e
        except OSError as e:
            raise TransportError(f"read failed: {type(e).__name__}") from e
        if not data:
            return False
        self.buf += data
        return True

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass


class Response:
    def __init__(self, pool: HTTPPool, conn: _Conn, status: int, headers: dict[str, str]) -> None:
        self._pool, self._conn = pool, conn
        self.status = status
        self.headers = headers
        self._done = False
        self._pending = bytearray()
        te = headers.get("transfer-encoding", "").lower()
        self._chunked = "chunked" in te
        cl = headers.get("content-length")
        self._length: int | None = int(cl) if (cl is not None and not self._chunked) else None
        self._keep = headers.get("connection", "").lower() != "close" and (self._chunked or self._length is not None)

    # -- body readers --------------------------------------------------------------------
    def _iter_raw(self) -> Iterator[bytes]:
        """Decoded body bytes, in pieces as they arrive."""
        c = self._conn
        if self._length is not None:
            left = self._length
            while left > 0:
                if not c.buf and not c.fill():
                    raise TransportError("connection closed before the body was complete")
                piece = bytes(c.buf[:left])
                del c.buf[:len(piece)]
                left -= len(piece)
                yield piece
            return
        if self._chunked:
            while True:
                while b"\r\n" not in c.buf:
                    if not c.fill():
                        raise TransportError("connection closed inside a chunked body")
                i = c.buf.index(b"\r\n")
                try:
                    size = int(bytes(c.buf[:i]).split(b";")[0].strip(), 16)
                except ValueError as e:
                    raise TransportError("malformed chunk size") from e
                del c.buf[:i + 2]
                if size == 0:
                    # trailers end with an empty line
                    while True:
                        while b"\r\n" not in c.buf:
                            if not c.fill():
                                raise TransportError("connection closed in chunk trailer")
                        j = c.buf.index(b"\r\n")
                        line = c.buf[:j]
                        del c.buf[:j + 2]
                        if not line:
                            return
                left = size
                while left > 0:
                    if not c.buf and not c.fill():
                        raise TransportError("connection closed inside a chunk")
                    piece = bytes(c.buf[:left])
                    del c.buf[:len(piece)]
                    left -= len(piece)
                    yield piece
                while len(c.buf) < 2:
                    if not c.fill():
                        raise TransportError("connection closed after a chunk")
                del c.buf[:2]
        # read to close
        if c.buf:
            yield bytes(c.buf)
            c.buf.clear()
        while c.fill():
            yield bytes(c.buf)
            c.buf.clear()

    def read(self) -> bytes:
        try:
            data = b"".join(self._iter_raw())
        except TransportError:
            self._discard()
            raise
        self._release()
        return data

    def has_buffered_data(self) -> bool:
        """True if more body bytes are already in memory (the next line will likely not block)."""
        return b"\n" in self._pending or bool(self._conn.buf)

    def iter_lines(self) -> Iterator[bytes]:
        """Yield body lines without their line break; errors raise TransportError."""
        pending = self._pending
        try:
            for piece in self._iter_raw():
                pending += piece
                while True:
                    i = pending.find(b"\n")
                    if i < 0:
                        break
                    line = bytes(pending[:i])
                    del pending[:i + 1]
                    yield line[:-1] if line.endswith(b"\r") else line
            if pending:
                yield bytes(pending)
            self._release()
        finally:
            if not self._done:
                self._discard()

    def close(self) -> None:
        if not self._done:
            self._discard()

    def _release(self) -> None:
        if self._done:
            return
        self._done = True
        if self._keep and not self._conn.buf:
            self._pool._put(self._conn)
        else:
            self._conn.close()

    def _discard(self) -> None:
        if self._done:
            return
        self._done = True
        self._conn.close()


class HTTPPool:
    def __init__(self, max_idle_per_host: int = 64) -> None:
        self.max_idle = max_idle_per_host
        self._idle: dict[_Key, list[_Conn]] = {}
        self._lock = threading.Lock()
        self._ssl: ssl.SSLContext | None = None

    def _connect(self, key: _Key, connect_timeout: float, guard=None) -> _Conn:
        scheme, host, port = key
        scheme = scheme.split("+")[0]
        try:
            if guard is not None:
                # pkg.ssrf connects to an address it vetted (no second DNS lookup to rebind)
                sock = guard.connect(host, port, connect_timeout)
            else:
                sock = socket.create_connection((host, port), timeout=connect_timeout)
        except TimeoutError as e:
            raise TransportTimeout(f"connect to {host}:{port} timed out") from e
        except ValueError as e:  # BlockedAddressError
            raise TransportBlocked(str(e)) from e
        except OSError as e:
            raise TransportError(f"connect to {host}:{port} failed: {type(e).__name__}") from e
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if scheme == "https":
            if self._ssl is None:
                self._ssl = ssl.create_default_context()
            try:
                sock = self._ssl.wrap_socket(sock, server_hostname=host)
            except (OSError, ssl.SSLError) as e:
                sock.close()
                raise TransportError(f"TLS handshake with {host}:{port} failed: {type(e).__name__}") from e
        return _Conn(sock, key)

    def _get(self, key: _Key) -> _Conn | None:
        with self._lock:
            conns = self._idle.get(key)
            if conns:
                return conns.pop()
        return None

    def _put(self, conn: _Conn) -> None:
        with self._lock:
            conns = self._idle.setdefault(conn.key, [])
            if len(conns) < self.max_idle:
                conns.append(conn)
                return
        conn.close()

    @staticmethod
    def _read_head(conn: _Conn) -> tuple[int, dict[str, str]]:
        while True:
            end = conn.buf.find(b"\r\n\r\n")
            if end >= 0:
                break
            if len(conn.buf) > _MAX_HEADER:
                raise TransportError("response headers too large")
            if not conn.fill():
                raise ConnectionResetError("closed before the response")
        head = bytes(conn.buf[:end]).decode("latin-1")
        del conn.buf[:end + 4]
        lines = head.split("\r\n")
        parts = lines[0].split(" ", 2)
        if len(parts) < 2 or not parts[0].startswith("HTTP/"):
            raise TransportError("malformed status line")
        try:
            status = int(parts[1])
        except ValueError as e:
            raise TransportError("malformed status code") from e
        headers: dict[str, str] = {}
        for line in lines[1:]:
            k, sep, v = line.partition(":")
            if sep:
                headers[k.strip().lower()] = v.strip()
        return status, headers

    def request(self, method: str, url: str, body: bytes | None, headers: dict[str, str], *,
                timeout: float, connect_timeout: float, guard=None) -> Response:
        u = urlsplit(url)
        scheme = u.scheme or "http"
        if scheme not in ("http", "https"):
            raise TransportError(f"unsupported scheme {scheme!r}")
        host = u.hostname or ""
        port = u.port or (443 if scheme == "https" else 80)
        # guarded (user-supplied) destinations get their own pool entries
        key = (scheme + ("+guarded" if guard is not None else ""), host, port)
        path = (u.path or "/") + (f"?{u.query}" if u.query else "")
        default_port = port == (443 if scheme == "https" else 80)
        lines = [f"{method} {path} HTTP/1.1", f"Host: {host if default_port else f'{host}:{port}'}"]
        for k, v in headers.items():
            if "\r" in k or "\n" in k or "\r" in v or "\n" in v:
                raise TransportError("invalid header")
            lines.append(f"{k}: {v}")
        payload = body or b""
        lines.append(f"Content-Length: {len(payload)}")
        raw = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + payload
        for attempt in (0, 1):
            conn = self._get(key)
            reused = conn is not None
            if conn is None:
                conn = self._connect(key, connect_timeout, guard)
            try:
                conn.sock.settimeout(timeout)
                conn.sock.sendall(raw)
                status, resp_headers = self._read_head(conn)
                while status == 100:  # 100 Continue: read the real response
                    status, resp_headers = self._read_head(conn)
                return Response(self, conn, status, resp_headers)
            except TransportTimeout:
                conn.close()
                raise
            except (ConnectionResetError, BrokenPipeError, ConnectionAbortedError) as e:
                conn.close()
                if reused and attempt == 0 and not conn.buf:
                    continue  # a stale keep-alive connection: try once more on a fresh one
                raise TransportError(f"connection to {host}:{port} failed: {type(e).__name__}") from e
            except TimeoutError as e:
                conn.close()
                raise TransportTimeout(f"{method} {host}:{port} timed out") from e
            except TransportError:
                conn.close()
                raise
            except OSError as e:
                conn.close()
                raise TransportError(f"connection to {host}:{port} failed: {type(e).__name__}") from e
        raise TransportError("unreachable")  # pragma: no cover

    def close(self) -> None:
        with self._lock:
            for conns in self._idle.values():
                for c in conns:
                    c.close()
            self._idle.clear()

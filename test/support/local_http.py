"""A tiny threaded HTTP server on 127.0.0.1 for tests: routes are functions of the request.

`LocalHTTPServer({"GET /path": handler})` where handler(req) -> (status, headers, body);
`req` has method, path, query (dict of lists), headers, body (bytes). Every request is recorded
in `.requests`. Use as a context manager.
"""
from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes = b""


Handler = Callable[[Request], tuple[int, dict[str, str], bytes | str]]


@dataclass
class LocalHTTPServer:
    routes: dict[str, Handler]
    requests: list[Request] = field(default_factory=list)

    def __post_init__(self) -> None:
        outer = self

        class _H(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # quiet
                pass

            def _do(self):
                u = urlsplit(self.path)
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length) if length else b""
                req = Request(self.command, u.path, parse_qs(u.query), {k.lower(): v for k, v in self.headers.items()},
                              body)
                outer.requests.append(req)
                handler = outer.routes.get(f"{self.command} {u.path}") or outer.routes.get(f"* {u.path}")
                if handler is None:
                    status, headers, payload = 404, {"content-type": "text/plain"}, b"no such route"
                else:
                    status, headers, payload = handler(req)
                if isinstance(payload, str):
                    payload = payload.encode("utf-8")
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = _do

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _H)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)

    def __enter__(self) -> LocalHTTPServer:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def json_response(obj, status: int = 200) -> tuple[int, dict[str, str], bytes]:
    import json

    return status, {"content-type": "application/json"}, json.dumps(obj).encode("utf-8")

"""Request-header parsing for the gevent pywsgi worker, without the email package.

pywsgi reads request headers with `http.client.parse_headers`, which runs the email package's
feed parser over them: ~6 % of a gateway worker's CPU per /v1 call. The header block of an HTTP
request is simpler than a MIME message: `name: value` lines up to an empty line, where a name is
an RFC 9110 token. This reads it with the same limits as http.client (65 536 bytes a line, 100
header lines) and answers pywsgi's and gunicorn's questions from a dict.

Stricter than the email parser on purpose: a line that is not `token: value` (e.g. whitespace
before the colon, a request-smuggling trick) makes the request invalid (400), as RFC 9112 §5.1
requires. Obsolete line folding (a line starting with a space or tab) continues the previous
value, joined with one space (RFC 9112 §5.2).
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from typing import IO

MAX_LINE = 65536
MAX_HEADERS = 100
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_IGNORED_ENV_KEYS = ("CONTENT_TYPE", "CONTENT_LENGTH")  # pywsgi sets these from typeheader/getheader


class RequestHeaders:
    """The part of `http.client.HTTPMessage` that pywsgi and gunicorn's access log use."""

    __slots__ = ("_pairs", "_first", "status")

    def __init__(self, pairs: list[tuple[str, str]], status: str = "") -> None:
        self._pairs = pairs
        self._first: dict[str, str] = {}
        for name, value in pairs:
            self._first.setdefault(name.lower(), value)
        self.status = status  # non-empty: pywsgi answers 400 with it

    def get(self, name: str, default: str | None = None) -> str | None:
        return self._first.get(name.lower(), default)

    getheader = get

    @property
    def typeheader(self) -> str | None:
        return self._first.get("content-type")

    def __delitem__(self, name: str) -> None:
        key = name.lower()
        self._pairs = [p for p in self._pairs if p[0].lower() != key]
        self._first.pop(key, None)

    def __contains__(self, name: str) -> bool:
        return name.lower() in self._first

    def items(self) -> list[tuple[str, str]]:
        return list(self._pairs)

    @property
    def headers(self) -> Iterator[str]:
        for name, value in self._pairs:
            yield f"{name}: {value}\r\n"

    def environ_items(self) -> Iterator[tuple[str, str]]:
        """(HTTP_NAME, value) pairs for the WSGI environ, like pywsgi's `_headers`: names with an
        underscore are dropped (they would collide with dashes), Content-Type/-Length excluded."""
        for name, value in self._pairs:
            if "_" in name:
                continue
            key = name.replace("-", "_").upper()
            if key not in _IGNORED_ENV_KEYS:
                yield "HTTP_" + key, value


def read_headers(rfile: IO[bytes]) -> RequestHeaders:
    pairs: list[tuple[str, str]] = []
    while True:
        line = rfile.readline(MAX_LINE + 1)
        if len(line) > MAX_LINE:
            return RequestHeaders([], "Line too long")
        if line in (b"\r\n", b"\n", b""):
            return RequestHeaders(pairs)
        text = line.decode("latin-1").rstrip("\r\n")
        if text[0] in " \t":
            if not pairs:
                return RequestHeaders([], "Invalid header line")
            name, value = pairs[-1]
            pairs[-1] = (name, f"{value} {text.strip()}" if value else text.strip())
            continue
        if len(pairs) >= MAX_HEADERS:
            return RequestHeaders([], "Too many headers")
        name, sep, value = text.partition(":")
        if not sep or not _TOKEN.fullmatch(name):
            return RequestHeaders([], "Invalid header line")
        pairs.append((name, value.strip(" \t")))

"""app/http/request_headers.py: the gevent worker's request-header reader."""
from __future__ import annotations

import io

import pytest

from app.http.request_headers import MAX_HEADERS, MAX_LINE, read_headers


def _read(raw: bytes):
    rfile = io.BufferedReader(io.BytesIO(raw))
    headers = read_headers(rfile)
    return headers, rfile.read()


def test_reads_up_to_the_empty_line_and_answers_case_insensitively():
    headers, rest = _read(b"Host: example\r\nContent-Type: application/json\r\nContent-Length: 2\r\n"
                          b"X-Twice: one\r\nx-twice: two\r\n\r\n{}")
    assert rest == b"{}" and headers.status == ""
    assert headers.get("host") == "example" and headers.getheader("CONTENT-LENGTH") == "2"
    assert headers.typeheader == "application/json" and "content-type" in headers
    assert headers.get("x-twice") == "one"  # the first occurrence, like email.message.Message
    assert headers.items()[-1] == ("x-twice", "two")
    assert headers.get("missing", "dflt") == "dflt"


def test_environ_items_skip_underscored_names_and_the_content_headers():
    headers, _ = _read(b"Content-Type: text/plain\r\nContent-Length: 0\r\nX_Spoof: 1\r\nX-Request-Id: r1\r\n"
                       b"Cookie: a=1\r\ncookie: b=2\r\n\r\n")
    assert list(headers.environ_items()) == [("HTTP_X_REQUEST_ID", "r1"), ("HTTP_COOKIE", "a=1"),
                                             ("HTTP_COOKIE", "b=2")]


def test_values_are_trimmed_and_folded_lines_continue_the_previous_value():
    headers, _ = _read(b"X-Long:   first part \r\n \t second part\r\nX-Empty:\r\n\r\n")
    assert headers.get("x-long") == "first part second part" and headers.get("x-empty") == ""
    assert list(headers.headers) == ["X-Long: first part second part\r\n", "X-Empty: \r\n"]


def test_delete_removes_every_occurrence():
    headers, _ = _read(b"Content-Length: 5\r\nTransfer-Encoding: chunked\r\ncontent-length: 6\r\n\r\n")
    del headers["content-length"]
    assert headers.get("content-length") is None and headers.items() == [("Transfer-Encoding", "chunked")]


@pytest.mark.parametrize("raw", [
    b"X-Bad : 1\r\n\r\n",          # whitespace before the colon (request smuggling)
    b"No colon here\r\n\r\n",
    b" leading fold\r\n\r\n",      # a continuation with nothing to continue
    b"Bad\x00Name: 1\r\n\r\n",
])
def test_malformed_lines_make_the_request_invalid(raw):
    headers, _ = _read(raw)
    assert headers.status == "Invalid header line" and headers.items() == []


def test_limits_match_http_client():
    long_line, _ = _read(b"X-Big: " + b"a" * MAX_LINE + b"\r\n\r\n")
    assert long_line.status == "Line too long"
    many = b"".join(b"X-%d: v\r\n" % i for i in range(MAX_HEADERS + 1)) + b"\r\n"
    too_many, _ = _read(many)
    assert too_many.status == "Too many headers"
    exactly, _ = _read(b"".join(b"X-%d: v\r\n" % i for i in range(MAX_HEADERS)) + b"\r\n")
    assert exactly.status == "" and len(exactly.items()) == MAX_HEADERS


def test_end_of_stream_ends_the_headers():
    headers, rest = _read(b"Host: x\r\n")
    assert headers.get("host") == "x" and rest == b""

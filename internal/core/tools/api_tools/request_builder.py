"""Tool arguments → one HTTP request, without string formatting of user values into the URL.

Path values are percent-encoded as one segment each (`/`, `?`, `#`, `..` cannot change the path
or escape into the query); query values are URL-encoded; header and cookie values are refused
when they contain line breaks (no header injection). Headers are layered: operation header
inputs, then the provider's custom headers, then auth — the model cannot overwrite credentials."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

from ..base import ToolInputError
from .auth import ApiAuth
from .spec import OperationSpec

_TEMPLATE = re.compile(r"\{([^{}/]+)\}")
_BAD_HEADER = re.compile(r"[\r\n\x00]")
USER_AGENT = "LLMOps-ApiTool/1.0"


@dataclass(frozen=True)
class PreparedRequest:
    method: str
    url: str
    headers: list[tuple[str, str]]
    body: bytes | None


def scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return str(value)


def _segment(value: Any) -> str:
    text = scalar(value)
    if text in ("", ".", ".."):  # an empty or dot segment would change which resource is addressed
        raise ToolInputError("a path parameter must not be empty, '.' or '..'")
    return quote(text, safe="")


def _header_value(name: str, value: str) -> str:
    if _BAD_HEADER.search(name) or _BAD_HEADER.search(value):
        raise ToolInputError(f"header '{name[:60]}' must not contain line breaks")
    if not value.isascii():
        raise ToolInputError(f"header '{name[:60]}' must be ASCII text")
    return value


def build_request(op: OperationSpec, args: dict[str, Any], custom_headers: list[tuple[str, str]],
                  auth: ApiAuth) -> PreparedRequest:
    path_values: dict[str, Any] = {}
    query: list[tuple[str, str]] = []
    headers: list[tuple[str, str]] = []
    cookies: list[tuple[str, str]] = []
    fields: dict[str, Any] = {}
    for p in op.params:
        if p.name not in args or args[p.name] is None:
            continue
        value = args[p.name]
        if p.location == "path":
            path_values[p.wire] = value
        elif p.location == "query":
            items = value if isinstance(value, list) else [value]
            query.extend((p.wire, scalar(v)) for v in items)
        elif p.location == "header":
            headers.append((p.wire, _header_value(p.wire, scalar(value))))
        elif p.location == "cookie":
            cookies.append((p.wire, quote(scalar(value), safe="")))
        else:
            fields[p.wire] = value

    def substitute(m: re.Match) -> str:
        if m.group(1) not in path_values:
            raise ToolInputError(f"missing path parameter '{m.group(1)}'")
        return _segment(path_values[m.group(1)])

    url = op.server_url + _TEMPLATE.sub(substitute, op.path)
    query.extend(auth.query())
    if query:
        url += ("&" if "?" in url else "?") + urlencode(query)

    body: bytes | None = None
    if op.body is not None and (fields or op.body.required):
        media = op.body.media_type
        payload = fields.get("body") if op.body.whole else fields
        if media == "application/x-www-form-urlencoded" and isinstance(payload, dict):
            body = urlencode([(k, scalar(v)) for k, v in payload.items()]).encode()
        elif media == "application/json" or media.endswith("+json"):
            body = json.dumps(payload if payload is not None else {}, ensure_ascii=False).encode()
        else:
            body = scalar(payload).encode()
        headers.append(("Content-Type", media))
    if cookies:
        headers.append(("Cookie", "; ".join(f"{k}={v}" for k, v in cookies)))

    layered: dict[str, tuple[str, str]] = {"accept": ("Accept", "application/json, */*;q=0.8"),
                                           "user-agent": ("User-Agent", USER_AGENT)}
    for name, value in [*headers, *custom_headers, *auth.headers()]:
        layered[name.lower()] = (name, _header_value(name, value))
    return PreparedRequest(op.method, url, list(layered.values()), body)

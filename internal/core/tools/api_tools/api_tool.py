"""One OpenAPI operation as a `Tool`. The HTTP exchange goes through an `OutboundHttp` (the SSRF
guard's client, injected by the service layer), with connect/read timeouts bounded by the tool's
deadline and a response size cap. Non-2xx answers become readable observations with the status."""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Protocol

from ..base import Deadline, Tool, ToolError, ToolLimits
from .auth import ApiAuth
from .request_builder import PreparedRequest, build_request
from .spec import OperationSpec

ERROR_EXCERPT_CHARS = 500


@dataclass(frozen=True)
class HttpAnswer:
    status: int
    reason: str
    headers: dict[str, str]     # lower-case names
    body: bytes
    truncated: bool = False     # the body was longer than the cap; `body` holds the first bytes


@dataclass(frozen=True)
class CallLimits:
    connect_timeout_s: float = 5.0
    read_timeout_s: float = 30.0
    max_response_bytes: int = 1_048_576


class OutboundHttp(Protocol):
    """Sends one request to a user-controlled URL. Raises ToolError (with a message safe to show)
    when the destination is refused, unreachable or too slow."""

    def send(self, request: PreparedRequest, *, connect_timeout: float, read_timeout: float,
             max_bytes: int) -> HttpAnswer: ...


def _charset(content_type: str) -> str:
    for part in content_type.split(";")[1:]:
        key, _, value = part.strip().partition("=")
        if key.lower() == "charset" and value:
            return value.strip('"')
    return "utf-8"


def decode_body(answer: HttpAnswer) -> str:
    try:
        return answer.body.decode(_charset(answer.headers.get("content-type", "")), "replace")
    except LookupError:
        return answer.body.decode("utf-8", "replace")


class ApiTool(Tool):
    def __init__(self, op: OperationSpec, http: OutboundHttp, *, custom_headers: list[tuple[str, str]],
                 auth: ApiAuth, call_limits: CallLimits = CallLimits(), limits: ToolLimits | None = None,
                 validator: Any = None):
        super().__init__(op.name, op.description, op.input_schema, limits, validator)
        self.op, self.http, self.custom_headers, self.auth, self.call_limits = op, http, custom_headers, auth, call_limits

    def prepare(self, arguments: dict[str, Any]) -> PreparedRequest:
        return build_request(self.op, arguments, self.custom_headers, self.auth)

    def _run(self, arguments: dict[str, Any], deadline: Deadline) -> Any:
        request = self.prepare(arguments)
        remaining = deadline.remaining()
        if remaining <= 0:
            raise ToolError("the tool ran out of time")
        answer = self.http.send(request, connect_timeout=min(self.call_limits.connect_timeout_s, remaining),
                                read_timeout=min(self.call_limits.read_timeout_s, remaining),
                                max_bytes=self.call_limits.max_response_bytes)
        text = decode_body(answer)
        if not 200 <= answer.status < 300:
            excerpt = text.strip()[:ERROR_EXCERPT_CHARS]
            raise ToolError(f"the API answered HTTP {answer.status} {answer.reason}".rstrip()
                            + (f": {excerpt}" if excerpt else ""))
        if answer.truncated:
            return text + f"\n…[response cut at {self.call_limits.max_response_bytes} bytes]"
        if "json" in answer.headers.get("content-type", "").lower():
            try:
                return json.loads(text)
            except ValueError:
                return text
        return text if text else f"HTTP {answer.status} {answer.reason}".rstrip()

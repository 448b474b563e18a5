"""`OutboundHttp` over the SSRF guard's client (pkg/ssrf). Redirects are not followed: the
provider's credentials would travel with the request to wherever the answer points, so a 3xx is
returned to the tool as a non-2xx answer instead."""
from __future__ import annotations

from http import HTTPStatus

from pkg.ssrf import BlockedAddressError, OutboundError, OutboundHttpClient, OutboundTimeout

from ..base import ToolError
from .api_tool import HttpAnswer
from .request_builder import PreparedRequest


class GuardedOutboundHttp:
    def __init__(self, client: OutboundHttpClient):
        self.client = client

    def send(self, request: PreparedRequest, *, connect_timeout: float, read_timeout: float,
             max_bytes: int) -> HttpAnswer:
        headers: dict[str, str] = {}
        for name, value in request.headers:
            headers[name] = value
        try:
            # the client bounds connecting by its own connect timeout (API_TOOL_CONNECT_TIMEOUT_SECONDS)
            answer = self.client.request(request.method, request.url, headers=headers, content=request.body,
                                         timeout=max(read_timeout, 0.001), max_bytes=max_bytes, max_redirects=0)
        except BlockedAddressError as exc:
            raise ToolError(f"the API address is not allowed: {exc}") from None
        except OutboundTimeout as exc:
            raise ToolError(f"the API did not answer in time: {exc}") from None
        except OutboundError as exc:
            raise ToolError(f"the API call failed: {exc}") from None
        reason = _reason(answer.status_code)
        return HttpAnswer(status=answer.status_code, reason=reason,
                          headers={k.lower(): v for k, v in answer.headers.items()},
                          body=answer.content, truncated=answer.truncated)



def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""

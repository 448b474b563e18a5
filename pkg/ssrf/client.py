"""A small synchronous HTTP facade for callers of user-controlled (or operator-configured) URLs.

`OutboundHttpClient(guard).request(...)` -> `OutboundResponse`: connect/read timeouts, a total
deadline, a response size cap (the body is cut at `max_bytes` and `truncated` set, never read
whole into memory), redirects followed by hand up to `max_redirects` with every hop vetted
before it is requested (and again when its connection opens), no cookies kept between calls
(one client serves every tenant), no proxies from the environment. Failures raise
`OutboundError` subclasses whose messages are safe to show.

With `guard=None` the destination is trusted (operator configuration such as a weather API base
URL); the other limits still apply. `GuardedHttpClient` is the same client with a guard required.
"""
from __future__ import annotations

import http.cookiejar
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from .guard import BlockedAddressError, OutboundError, SsrfGuard, split_url
from .transport import guarded_transport

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})


class OutboundTimeout(OutboundError):
    pass


@dataclass
class OutboundResponse:
    status_code: int
    headers: httpx.Headers
    content: bytes
    url: str                 # the final URL (after redirects)
    truncated: bool = False
    encoding: str = "utf-8"

    @property
    def text(self) -> str:
        return self.content.decode(self.encoding, errors="replace")

    def json(self) -> Any:
        return json.loads(self.content)

    @property
    def ok(self) -> bool:
        return 200 <= self.status_code < 300


GuardedResponse = OutboundResponse


def _no_cookie_jar() -> http.cookiejar.CookieJar:
    # a shared client must never carry one caller's cookies into another's request
    return http.cookiejar.CookieJar(policy=http.cookiejar.DefaultCookiePolicy(allowed_domains=[]))


class OutboundHttpClient:
    def __init__(self, guard: SsrfGuard | None = None, *, timeout: float = 30.0, connect_timeout: float = 10.0,
                 max_bytes: int = 5 * 1024 * 1024, max_redirects: int = 5,
                 user_agent: str = "LLMOps/1.0 (+https://github.com/llmops)",
                 transport: httpx.BaseTransport | None = None) -> None:
        self.guard = guard
        self.timeout, self.connect_timeout = timeout, connect_timeout
        self.max_bytes, self.max_redirects = max_bytes, max_redirects
        if transport is None:
            transport = guarded_transport(guard) if guard is not None else httpx.HTTPTransport(trust_env=False)
        self._client = httpx.Client(transport=transport, trust_env=False, follow_redirects=False,
                                    cookies=_no_cookie_jar(), headers={"user-agent": user_agent})

    def close(self) -> None:
        self._client.close()

    def request(self, method: str, url: str, *, params: Mapping[str, Any] | None = None,
                headers: Mapping[str, str] | None = None, json: Any = None, content: bytes | str | None = None,
                data: Mapping[str, Any] | None = None, cookies: Mapping[str, str] | None = None,
                timeout: float | None = None, max_bytes: int | None = None,
                max_redirects: int | None = None) -> OutboundResponse:
        timeout = self.timeout if timeout is None else timeout
        max_bytes = self.max_bytes if max_bytes is None else max_bytes
        allowed_hops = self.max_redirects if max_redirects is None else max_redirects
        hops = allowed_hops
        deadline = time.monotonic() + timeout
        hdrs = dict(headers or {})
        if cookies:
            hdrs["cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
        self._vet(url)
        try:
            request = self._client.build_request(method.upper(), url, params=params, headers=hdrs, json=json,
                                                 content=content, data=data,
                                                 timeout=httpx.Timeout(timeout, connect=min(timeout, self.connect_timeout)))
        except (httpx.InvalidURL, ValueError, TypeError) as e:
            raise OutboundError(f"invalid request: {e}") from e
        while True:
            response = self._send(request, deadline)
            try:
                if response.status_code in REDIRECT_STATUSES and response.next_request is not None \
                        and allowed_hops > 0:  # max_redirects=0: the 3xx itself is the answer
                    if hops == 0:
                        raise OutboundError("too many redirects")
                    hops -= 1
                    request = response.next_request
                    self._vet(str(request.url))  # refused before it is requested (and again on connect)
                    continue
                body, truncated = self._read_capped(response, max_bytes, deadline)
                return OutboundResponse(status_code=response.status_code, headers=response.headers, content=body,
                                        url=str(response.url), truncated=truncated,
                                        encoding=response.charset_encoding or "utf-8")
            finally:
                response.close()

    # -- helpers ---------------------------------------------------------------------------
    def _vet(self, url: str) -> None:
        if self.guard is not None:
            self.guard.check_url(url)
        else:
            split_url(url)

    def _send(self, request: httpx.Request, deadline: float) -> httpx.Response:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise OutboundTimeout(f"{request.url.host} did not answer in time")
        request.extensions["timeout"] = httpx.Timeout(remaining, connect=min(remaining, self.connect_timeout)).as_dict()
        try:
            return self._client.send(request, stream=True)
        except BlockedAddressError:
            raise
        except httpx.TimeoutException as e:
            raise OutboundTimeout(f"{request.url.host} did not answer in time") from e
        except httpx.HTTPError as e:
            raise OutboundError(f"could not reach {request.url.host}: {type(e).__name__}") from e

    @staticmethod
    def _read_capped(response: httpx.Response, max_bytes: int, deadline: float) -> tuple[bytes, bool]:
        buf = bytearray()
        try:
            for chunk in response.iter_bytes():
                buf += chunk
                if len(buf) > max_bytes:
                    return bytes(buf[:max_bytes]), True
                if time.monotonic() > deadline:
                    raise OutboundTimeout(f"{response.url.host} took too long to send its answer")
        except httpx.TimeoutException as e:
            raise OutboundTimeout(f"{response.url.host} took too long to send its answer") from e
        except httpx.HTTPError as e:
            raise OutboundError(f"the answer from {response.url.host} broke off: {type(e).__name__}") from e
        return bytes(buf), False


class GuardedHttpClient(OutboundHttpClient):
    """An OutboundHttpClient that always vets its destinations."""

    def __init__(self, guard: SsrfGuard, **kwargs: Any) -> None:
        if guard is None:
            raise TypeError("GuardedHttpClient needs an SsrfGuard")
        super().__init__(guard, **kwargs)

"""A synchronous MCP client facade over the official SDK (`mcp.Client`).

Each operation opens a session, does its work and closes it: stateless for us, so any web or
worker process can call any server and nothing leaks between tenants. Transport: streamable
HTTP first; when that fails (an older server answers 4xx to the POST), HTTP+SSE, as the MCP
specification's backwards-compatibility section says. The URL never decides. The transport that
worked is remembered by the caller and tried first next time. Every connection (each redirect hop
included) goes through the SSRF guard's httpx2 transport.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import httpx2
from mcp import Client
from mcp.client.sse import sse_client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.exceptions import MCPError

from pkg.ssrf import BlockedAddressError, SsrfGuard
from pkg.ssrf.httpx2_transport import guarded_async_httpx2_client

from .loop_thread import EventLoopThread

MAX_TOOLS = 200               # a server listing more is cut (a console page, not a catalogue)
MAX_SSE_EVENT_BYTES = 4 << 20  # one streamed message; the result is capped again as text


class McpTransport(StrEnum):
    STREAMABLE_HTTP = "streamable_http"
    SSE = "sse"


@dataclass(frozen=True)
class McpToolInfo:
    name: str
    description: str
    input_schema: dict[str, Any]


@dataclass(frozen=True)
class McpServerInfo:
    transport: McpTransport
    server_name: str
    tools: list[McpToolInfo]


@dataclass(frozen=True)
class McpCallOutcome:
    text: str
    is_error: bool
    structured: Any = None


class McpConnectError(Exception):
    """Safe to show: says what failed, never the server's internals or our headers."""


def _leaves(exc: BaseException):
    # the SDK runs transports in task groups: failures arrive wrapped in (nested) exception groups
    if isinstance(exc, BaseExceptionGroup):
        for inner in exc.exceptions:
            yield from _leaves(inner)
        return
    yield exc
    if exc.__cause__ is not None:
        yield from _leaves(exc.__cause__)


REQUEST_TIMEOUT = -32001  # the SDK's code for a request that got no answer within its read timeout


def _mcp_code(exc: BaseException) -> int | None:
    return getattr(getattr(exc, "error", None), "code", None) if isinstance(exc, MCPError) else None


def _describe(exc: BaseException) -> str:
    leaves = list(_leaves(exc))
    if any(isinstance(e, BlockedAddressError) for e in leaves):
        return "the MCP server's address is not allowed (private, loopback or reserved)"
    if any(isinstance(e, TimeoutError | httpx2.TimeoutException) or _mcp_code(e) == REQUEST_TIMEOUT for e in leaves):
        return "the MCP server did not answer in time"
    if any(isinstance(e, MCPError) and str(e).startswith("Redirect to") for e in leaves):
        return "the MCP server redirected to another origin (not followed)"  # the SDK follows same-origin hops only
    status = next((e.response.status_code for e in leaves if isinstance(e, httpx2.HTTPStatusError)), None)
    if status is not None:
        return f"the MCP server answered HTTP {status}"
    if any(isinstance(e, httpx2.ConnectError | ConnectionError | OSError) for e in leaves):
        return "could not connect to the MCP server"
    return "the MCP server could not be used"


def render_content(content: list[Any], structured: Any) -> str:
    parts: list[str] = []
    for block in content:
        kind = getattr(block, "type", "")
        if kind == "text":
            parts.append(block.text)
        elif kind in ("image", "audio"):
            parts.append(f"[{kind}: {getattr(block, 'mime_type', '') or 'binary'}]")
        elif kind == "resource_link":
            parts.append(f"[resource: {getattr(block, 'uri', '')}]")
        elif kind == "resource":
            resource = getattr(block, "resource", None)
            parts.append(getattr(resource, "text", None) or f"[resource: {getattr(resource, 'uri', '')}]")
    if not parts and structured is not None:
        import json

        return json.dumps(structured, ensure_ascii=False)
    return "\n".join(parts)


class McpClient:
    def __init__(self, guard: SsrfGuard, loop: EventLoopThread) -> None:
        self.guard, self.loop = guard, loop

    # -- sync facade -----------------------------------------------------------------------------
    def discover(self, url: str, headers: dict[str, str], timeout_s: float,
                 prefer: McpTransport | None = None) -> McpServerInfo:
        """Connects (streamable HTTP, then SSE), lists the tools. McpConnectError when neither works."""
        order = [McpTransport.STREAMABLE_HTTP, McpTransport.SSE]
        if prefer in order:
            order.sort(key=lambda t: t != prefer)
        first_error: BaseException | None = None
        for transport in order:
            try:
                return self.loop.run(self._discover(url, headers, transport, timeout_s), timeout_s + 1)
            except Exception as exc:  # noqa: BLE001 - described below, never shown raw
                if any(isinstance(e, BlockedAddressError) for e in _leaves(exc)):
                    raise McpConnectError(_describe(exc)) from None  # no second try at a refused address
                first_error = first_error or exc
        raise McpConnectError(_describe(first_error)) from None

    def call_tool(self, url: str, headers: dict[str, str], transport: McpTransport, name: str,
                  arguments: dict[str, Any], timeout_s: float) -> McpCallOutcome:
        try:
            return self.loop.run(self._call(url, headers, transport, name, arguments, timeout_s), timeout_s + 1)
        except Exception as exc:  # noqa: BLE001
            raise McpConnectError(_describe(exc)) from None

    # -- async side (runs on the private loop) --------------------------------------------------
    def _client(self, url: str, headers: dict[str, str], transport: McpTransport, timeout_s: float) -> Client:
        timeout = httpx2.Timeout(timeout_s)
        if transport is McpTransport.STREAMABLE_HTTP:
            http = guarded_async_httpx2_client(self.guard, headers=headers, timeout=timeout)
            source = streamable_http_client(url, http_client=http, max_sse_event_size=MAX_SSE_EVENT_BYTES)
            return _ClosingClient(Client(source, read_timeout_seconds=timeout_s), http)
        factory = functools.partial(_sse_factory, self.guard)
        source = sse_client(url, headers=headers, timeout=timeout_s, sse_read_timeout=timeout_s,
                            httpx_client_factory=factory)
        return _ClosingClient(Client(source, read_timeout_seconds=timeout_s), None)

    async def _discover(self, url, headers, transport, timeout_s) -> McpServerInfo:
        async with self._client(url, headers, transport, timeout_s) as client:
            tools: list[McpToolInfo] = []
            cursor = None
            while len(tools) < MAX_TOOLS:
                page = await client.list_tools(cursor=cursor)
                tools += [McpToolInfo(t.name, t.description or "", dict(t.input_schema or {"type": "object"}))
                          for t in page.tools]
                cursor = page.next_cursor
                if not cursor:
                    break
            info = client.server_info
            return McpServerInfo(transport, getattr(info, "name", "") or "", tools[:MAX_TOOLS])

    async def _call(self, url, headers, transport, name, arguments, timeout_s) -> McpCallOutcome:
        async with self._client(url, headers, transport, timeout_s) as client:
            result = await client.call_tool(name, arguments, read_timeout_seconds=timeout_s)
            return McpCallOutcome(render_content(result.content, result.structured_content), bool(result.is_error),
                                  result.structured_content)


def _sse_factory(guard: SsrfGuard, headers=None, timeout=None, auth=None) -> httpx2.AsyncClient:
    return guarded_async_httpx2_client(guard, headers=headers, timeout=timeout, auth=auth)


class _ClosingClient:
    """`async with` the SDK client, then close the httpx2 client we made for it."""

    def __init__(self, client: Client, http: httpx2.AsyncClient | None) -> None:
        self.client, self.http = client, http

    async def __aenter__(self) -> Client:
        return await self.client.__aenter__()

    async def __aexit__(self, *exc) -> None:
        try:
            await self.client.__aexit__(*exc)
        finally:
            if self.http is not None:
                await self.http.aclose()

"""A real MCP server for the tests, built with the official SDK's server side (MCPServer) and
served by uvicorn in its own process on 127.0.0.1: streamable HTTP at /mcp, or (``--sse``) only
the legacy HTTP+SSE transport at /sse, to show the client's fallback.

Tools: ``echo`` (returns its text and the request headers it saw, so tests check what arrived),
``add``, ``fail`` (a tool error), ``slow`` (sleeps, for timeouts), ``big`` (a long result).
Run: ``python -m test.support.mcp_servers --port P [--sse]``.
"""
from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

import httpx
from mcp.server.mcpserver import Context, MCPServer

from .environment import free_port
from .processes import ManagedProcess, wait_until


def build_server():
    server = MCPServer("llmops-test-mcp")

    @server.tool(description="Echo the text back, with the X-Test header the server received")
    def echo(text: str, ctx: Context) -> str:
        request = getattr(ctx.request_context, "request", None)
        seen = request.headers.get("x-test", "") if request is not None else ""
        return f"echo: {text} | x-test={seen}"

    @server.tool(description="Add two integers")
    def add(a: int, b: int) -> int:
        return a + b

    @server.tool(description="Always fails")
    def fail() -> str:
        raise ValueError("this tool always fails")

    @server.tool(description="Sleep, then answer")
    async def slow(seconds: float) -> str:
        await asyncio.sleep(seconds)
        return "done"

    @server.tool(description="A long result")
    def big(size: int) -> str:
        return "x" * size

    return server


def main() -> None:
    import uvicorn

    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--sse", action="store_true")
    args = ap.parse_args()
    from mcp.server.transport_security import TransportSecuritySettings

    server = build_server()
    # the tests reach it under public-looking names through the SSRF guard's connector seam
    open_hosts = TransportSecuritySettings(enable_dns_rebinding_protection=False)
    app = server.sse_app(transport_security=open_hosts) if args.sse else server.streamable_http_app(
        transport_security=open_hosts)
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning")


class McpTestServer:
    """`with McpTestServer(tmp_path) as srv: srv.url` — a running server; `stop()` to take it away."""

    def __init__(self, log_dir: Path, *, sse: bool = False) -> None:
        self.port = free_port()
        self.sse = sse
        self.url = f"http://127.0.0.1:{self.port}/{'sse' if sse else 'mcp'}"
        args = [sys.executable, "-m", "test.support.mcp_servers", "--port", str(self.port)] + (["--sse"] if sse else [])
        import os

        self.process = ManagedProcess(args, dict(os.environ), log_dir / f"mcp-{self.port}.log")

        def up() -> bool:
            try:
                httpx.get(f"http://127.0.0.1:{self.port}/", timeout=1)
                return True
            except httpx.HTTPError:
                return False
        wait_until(up, timeout=30, what="MCP test server", process=self.process)

    def stop(self) -> None:
        self.process.stop()

    def __enter__(self) -> McpTestServer:
        return self

    def __exit__(self, *exc) -> None:
        if self.process.alive():
            self.stop()


if __name__ == "__main__":
    main()

"""The MCP client in a process of its own, for gevent-patched servers.

asyncio (which the `mcp` SDK needs) cannot run in a gevent-patched process: its sockets and
selectors become gevent's and the loop's thread stalls. So under gunicorn's gevent worker the
web process starts this helper once (a plain interpreter, not patched) and sends it JSON lines
on stdin: {"id", "op": "discover"|"call_tool", "args"}; it answers {"id", "ok", "result"|"error"}
on stdout, each request on a thread of its own, in any order. It holds no secrets between calls
and exits when stdin closes (the web worker went away).

Run by SubprocessMcpClient: `python -m internal.core.tools.mcp.worker '<allowed hosts JSON>'`.
"""
from __future__ import annotations

import json
import sys
import threading
from dataclasses import asdict

from pkg.ssrf import SsrfGuard

from .client import McpClient, McpConnectError, McpTransport
from .loop_thread import EventLoopThread


def handle(client: McpClient, request: dict) -> dict:
    args = request["args"]
    try:
        if request["op"] == "discover":
            info = client.discover(args["url"], args["headers"], args["timeout_s"],
                                   McpTransport(args["prefer"]) if args.get("prefer") else None)
            result = {"transport": info.transport.value, "server_name": info.server_name,
                      "tools": [asdict(t) for t in info.tools]}
        else:
            outcome = client.call_tool(args["url"], args["headers"], McpTransport(args["transport"]), args["name"],
                                       args["arguments"], args["timeout_s"])
            result = asdict(outcome)
        return {"id": request["id"], "ok": True, "result": result}
    except McpConnectError as exc:
        return {"id": request["id"], "ok": False, "error": str(exc)}
    except Exception:  # noqa: BLE001 - never a traceback to the parent
        return {"id": request["id"], "ok": False, "error": "the MCP server could not be used"}


def main() -> None:
    client = McpClient(SsrfGuard(json.loads(sys.argv[1]) if len(sys.argv) > 1 else []), EventLoopThread())
    write_lock = threading.Lock()

    def serve(line: str) -> None:
        answer = json.dumps(handle(client, json.loads(line)), default=str)
        with write_lock:
            sys.stdout.write(answer + "\n")
            sys.stdout.flush()

    for line in sys.stdin:
        if line.strip():
            threading.Thread(target=serve, args=(line,), daemon=True).start()


if __name__ == "__main__":
    main()

"""`McpClient` for gevent-patched processes: the same calls, carried out by the helper process of
worker.py (started on first use, restarted if it dies). Waiting is cooperative: under gevent the
pipe reads and the per-request events are gevent's, so other requests keep being served."""
from __future__ import annotations

import itertools
import json
import subprocess
import sys
import threading
from typing import Any

from .client import McpCallOutcome, McpClient, McpConnectError, McpServerInfo, McpToolInfo, McpTransport


class SubprocessMcpClient(McpClient):
    def __init__(self, allowed_hosts: list[str]) -> None:  # noqa: D107 - no guard/loop here: the helper has them
        self.allowed_hosts = list(allowed_hosts)
        self._proc: subprocess.Popen | None = None
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._waiting: dict[int, tuple[threading.Event, dict]] = {}

    def _ensure_worker(self) -> subprocess.Popen:
        with self._lock:
            if self._proc is None or self._proc.poll() is not None:
                self._proc = subprocess.Popen(
                    [sys.executable, "-m", "internal.core.tools.mcp.worker", json.dumps(self.allowed_hosts)],
                    stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, bufsize=1)
                threading.Thread(target=self._read, args=(self._proc,), daemon=True).start()
            return self._proc

    def _read(self, proc: subprocess.Popen) -> None:
        for line in proc.stdout:
            answer = json.loads(line)
            waiter = self._waiting.pop(answer["id"], None)
            if waiter is not None:
                waiter[1].update(answer)
                waiter[0].set()
        for event, box in list(self._waiting.values()):  # the helper died: fail who waits on it
            box.update(ok=False, error="the MCP client stopped unexpectedly")
            event.set()

    def _ask(self, op: str, args: dict[str, Any], timeout_s: float) -> dict:
        request_id = next(self._ids)
        event, box = threading.Event(), {}
        self._waiting[request_id] = (event, box)
        proc = self._ensure_worker()
        with self._lock:
            proc.stdin.write(json.dumps({"id": request_id, "op": op, "args": args}) + "\n")
            proc.stdin.flush()
        if not event.wait(timeout_s + 2):
            self._waiting.pop(request_id, None)
            raise McpConnectError("the MCP server did not answer in time")
        if not box.get("ok"):
            raise McpConnectError(box.get("error") or "the MCP server could not be used")
        return box["result"]

    def discover(self, url: str, headers: dict[str, str], timeout_s: float,
                 prefer: McpTransport | None = None) -> McpServerInfo:
        r = self._ask("discover", {"url": url, "headers": headers, "timeout_s": timeout_s,
                                   "prefer": prefer.value if prefer else None}, 2 * timeout_s)
        return McpServerInfo(McpTransport(r["transport"]), r["server_name"],
                             [McpToolInfo(t["name"], t["description"], t["input_schema"]) for t in r["tools"]])

    def call_tool(self, url: str, headers: dict[str, str], transport: McpTransport, name: str,
                  arguments: dict[str, Any], timeout_s: float) -> McpCallOutcome:
        r = self._ask("call_tool", {"url": url, "headers": headers, "transport": transport.value, "name": name,
                                    "arguments": arguments, "timeout_s": timeout_s}, timeout_s)
        return McpCallOutcome(r["text"], r["is_error"], r.get("structured"))

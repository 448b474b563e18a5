"""Start the fake upstream as its own process on 127.0.0.1 (readiness polled, never slept for)."""
from __future__ import annotations

import sys
from pathlib import Path

import httpx

from test.support.environment import free_port
from test.support.processes import ManagedProcess, wait_until


def start_fake_upstream(log: Path) -> tuple[ManagedProcess, str]:
    port = free_port()
    proc = ManagedProcess([sys.executable, "-m", "test.support.fake_openai", "--host", "127.0.0.1", "--port",
                           str(port)], {"PYTHONUNBUFFERED": "1", "PATH": "/usr/bin:/bin"}, log)
    url = f"http://127.0.0.1:{port}"

    def up() -> bool:
        try:
            return httpx.get(url + "/health", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    wait_until(up, timeout=30, what="fake upstream", process=proc)
    return proc, url

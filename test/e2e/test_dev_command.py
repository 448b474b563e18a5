"""`make dev`'s runner on a fresh instance: embedded SQLite, first account, web + worker.

Runs `python -m app.dev` exactly as the Makefile does (the venv is already built by `make test`).
"""
from __future__ import annotations

import os
import signal
import sys

import httpx

from test.support.environment import free_port
from test.support.processes import ManagedProcess, http_ready, wait_until

EMAIL = "first@llmops.test"
PASSWORD = "Dev-passw0rd-123"


def test_dev_runner_serves_ping_and_the_first_account_logs_in(tmp_path):
    port, mcp_port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SQLALCHEMY_", "REDIS_", "CELERY_"))}
    env.update(INSTANCE_DIR=str(tmp_path), PORT=str(port), MCP_SERVER_PORT=str(mcp_port), INIT_ACCOUNT_EMAIL=EMAIL,
               INIT_ACCOUNT_PASSWORD=PASSWORD, ENV="development", PYTHONUNBUFFERED="1")
    dev = ManagedProcess([sys.executable, "-m", "app.dev"], env, tmp_path / "dev.log")
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: http_ready(f"{base}/ping"), timeout=90, what="make dev server", process=dev)
        assert httpx.get(f"{base}/ping").json()["data"] == {"ping": "pong"}
        assert (tmp_path / "llmops.db").exists(), "embedded default must use SQLite in INSTANCE_DIR"
        assert "first account created" in dev.log_tail(20000)

        login = httpx.post(f"{base}/auth/password-login", json={"email": EMAIL, "password": PASSWORD}).json()
        assert login["code"] == "success", login
        token = login["data"]["access_token"]
        me = httpx.get(f"{base}/account", headers={"Authorization": f"Bearer {token}"}).json()
        assert me["code"] == "success" and me["data"]["email"] == EMAIL
        wait_until(lambda: "ready." in dev.log_tail(50000), timeout=60,
                   what="Celery worker on the filesystem broker", process=dev)
        assert "filesystem://" in dev.log_tail(50000)
        wait_until(lambda: "beat: Starting" in dev.log_tail(50000), timeout=30,
                   what="embedded beat (periodic jobs such as the indexing recovery sweep)", process=dev)
        # the MCP server process beside gunicorn: it answers, and wants an API key
        wait_until(lambda: _status(f"http://127.0.0.1:{mcp_port}/mcp") == 401, timeout=60,
                   what="the MCP server (python -m app.mcp)", process=dev)

        # stopping it stops everything it started, the worker's pool processes included
        started = _descendants(dev.proc.pid)
        assert len(started) >= 4, started  # web (+ its worker), Celery worker (+ pool), MCP
        dev.proc.send_signal(signal.SIGTERM)
        dev.proc.wait(timeout=60)
        wait_until(lambda: not [p for p in started if _alive(p)], timeout=15,
                   what="every process make dev started to end")
    finally:
        dev.stop()


def _descendants(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        try:
            kids = [int(c) for t in os.listdir(f"/proc/{p}/task")
                    for c in open(f"/proc/{p}/task/{t}/children").read().split()]
        except OSError:
            kids = []
        out += kids
        todo += kids
    return out


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _status(url: str) -> int:
    try:
        return httpx.post(url, json={}, timeout=2).status_code
    except httpx.HTTPError:
        return 0

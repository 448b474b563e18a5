"""Start real processes for the integration and e2e tiers: the HTTP server and Celery workers.

Readiness is polled (bounded, with a deadline), never slept for.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]


class ManagedProcess:
    def __init__(self, args: list[str], env: dict[str, str], log_path: Path):
        self.log_path = log_path
        self._log = open(log_path, "ab")
        self.proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT,
                                     start_new_session=True)

    def alive(self) -> bool:
        return self.proc.poll() is None

    def log_tail(self, chars: int = 4000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return ""

    def kill(self, sig: int = signal.SIGKILL) -> None:
        if self.alive():
            os.killpg(self.proc.pid, sig)
        self.proc.wait(timeout=30)

    def stop(self) -> None:
        if self.alive():
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=15)
        self._log.close()


def wait_until(predicate, *, timeout: float, what: str, process: ManagedProcess | None = None,
               interval: float = 0.05) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and not process.alive():
            raise RuntimeError(f"{what}: process exited early\n{process.log_tail()}")
        if predicate():
            return
        time.sleep(interval)  # polling interval of a readiness probe, not a fixed wait
    raise TimeoutError(f"{what} not ready after {timeout}s\n{process.log_tail() if process else ''}")


def http_ready(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def start_server(env: dict[str, str], port: int, log_path: Path, workers: int = 2) -> ManagedProcess:
    """The production server configuration (gunicorn, see docs/operations.md)."""
    args = [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "app/http/gunicorn_conf.py"),
            "--bind", f"127.0.0.1:{port}", "--workers", str(workers), "app.http.app:app"]
    server = ManagedProcess(args, env, log_path)
    wait_until(lambda: http_ready(f"http://127.0.0.1:{port}/ping"), timeout=60, what="HTTP server", process=server)
    return server


def start_celery_worker(env: dict[str, str], log_path: Path, name: str, queues: str | None = None,
                        concurrency: int = 1) -> ManagedProcess:
    args = [sys.executable, "-m", "celery", "-A", "app.http.app:celery", "worker", "--loglevel", "INFO",
            "--pool", "solo" if concurrency == 1 else "prefork", "--concurrency", str(concurrency),
            "--hostname", f"{name}@%h", "--without-gossip", "--without-mingle"]
    if queues:
        args += ["--queues", queues]
    worker = ManagedProcess(args, env, log_path)
    wait_until(lambda: "ready." in worker.log_tail(20000), timeout=60, what="Celery worker", process=worker)
    return worker

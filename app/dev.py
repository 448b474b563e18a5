"""`make dev`: the whole platform on its embedded default, in one command.

Migrates the SQLite database, creates the first account (printed once, or taken from
INIT_ACCOUNT_EMAIL / INIT_ACCOUNT_PASSWORD), then runs a Celery worker on the local
filesystem broker and one gunicorn web process until Ctrl-C.
"""
from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

from flask_migrate import upgrade

from app.http.app import create_app
from config import Config
from internal.exception import CustomException
from internal.service.account_service import AccountExistsError, AccountService

ROOT = Path(__file__).resolve().parent.parent
STOP_GRACE_SECONDS = 10  # then a child that has not stopped is killed (a hung prefork shutdown)
DEFAULT_EMAIL = "admin@llmops.local"


def ensure_first_account(app, conf: Config) -> None:
    service: AccountService = app.extensions["injector"].get(AccountService)
    email = conf.INIT_ACCOUNT_EMAIL or DEFAULT_EMAIL
    password = conf.INIT_ACCOUNT_PASSWORD or secrets.token_urlsafe(12) + "9a"
    with app.app_context():
        try:
            service.create_account(email=email, password=password, name="Admin")
        except AccountExistsError:
            print(f"  account {email} already exists (its password was printed when it was created)")
            return
        except CustomException as exc:  # e.g. INIT_ACCOUNT_PASSWORD too weak
            raise SystemExit(f"cannot create the first account {email}: {exc.message}") from None
    shown = password if not conf.INIT_ACCOUNT_PASSWORD else "(from INIT_ACCOUNT_PASSWORD)"
    print(f"  first account created — e-mail: {email}  password: {shown}")


def worker_command(conf: Config, cores: int | None = None, pool: str = "prefork") -> list[str]:
    """The Celery worker of `make dev` (also started by bench.kb.celery_path --layout dev).

    Prefork, one process per core, each with EMBEDDING_THREADS (1) ONNX threads: the production
    layout. A thread pool in one process ran the ONNX calls and the parsing/splitting/SQL under
    one GIL and reached about half of the raw embedder (docs/knowledge-base.md, Operations).
    -B embeds beat (the periodic recovery sweeps) in the worker's main process."""
    cores = cores or os.cpu_count() or 1
    return [sys.executable, "-m", "celery", "-A", "app.http.app:celery", "worker", "-B",
            "--schedule", str(conf.INSTANCE_DIR / "celerybeat-schedule"),
            "--loglevel", "INFO", "--pool", pool, "--concurrency", str(max(2, cores))]


def main() -> int:
    os.chdir(ROOT)
    conf = Config().resolved()
    app = create_app(conf)
    with app.app_context():
        upgrade()
    print("LLMOps (embedded default)")
    ensure_first_account(app, conf)

    host = os.environ.get("HOST", "127.0.0.1")
    port = os.environ.get("PORT", "5000")
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    # One web process: the embedded in-process cache/limits/stop flags are not shared across processes.
    web = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "app/http/gunicorn_conf.py",
                            "--workers", "1", "--bind", f"{host}:{port}", "app.http.app:app"], env=env)
    # its own process group: a prefork worker can hang in its pool's shutdown, and then the whole
    # group (the worker and its pool processes) is killed after STOP_GRACE_SECONDS
    worker = subprocess.Popen(worker_command(conf), env=env, start_new_session=True)
    # The MCP server is ASGI (asyncio), so it is its own process beside gunicorn (docs/mcp-server.md).
    mcp = subprocess.Popen([sys.executable, "-m", "app.mcp"], env=env)
    children = (web, worker, mcp)
    print(f"  serving on http://{host}:{port}  (health: /health, API docs: /docs) — Ctrl-C to stop")
    print(f"  MCP server on http://{conf.MCP_SERVER_HOST}:{conf.MCP_SERVER_PORT}/mcp (API key)")

    def shutdown(*_):
        for proc in children:
            if proc.poll() is None:
                proc.terminate()

    signal.signal(signal.SIGTERM, shutdown)
    try:
        os.wait()  # whichever child ends first ends the platform
    except KeyboardInterrupt:
        pass
    shutdown()
    deadline = time.monotonic() + STOP_GRACE_SECONDS
    for proc in children:
        try:
            proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            if proc is worker:
                os.killpg(proc.pid, signal.SIGKILL)
            else:
                proc.kill()
            proc.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())

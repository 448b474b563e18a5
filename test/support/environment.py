"""Where the test tiers find their real services, and per-xdist-worker isolation of them.

Each xdist worker gets its own PostgreSQL databases and its own Redis database number, so
workers never see each other's rows, queues or counters.
"""
from __future__ import annotations

import os
import socket
import uuid
from pathlib import Path

import psycopg
from psycopg import sql

from config import Config

PG_HOST = os.environ.get("TEST_PG_HOST", "127.0.0.1")
PG_PORT = int(os.environ.get("TEST_PG_PORT", "5432"))
PG_USER = os.environ.get("TEST_PG_USER", "postgres")
REDIS_HOST = os.environ.get("TEST_REDIS_HOST", "127.0.0.1")
REDIS_PORT = int(os.environ.get("TEST_REDIS_PORT", "6379"))
# One id per pytest run so parallel runs on one machine do not collide.
RUN_ID = os.environ.setdefault("LLMOPS_TEST_RUN_ID", uuid.uuid4().hex[:8])


def worker_index() -> int:
    name = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    return int(name[2:]) if name.startswith("gw") else 0


# Each xdist worker owns REDIS_SLOTS consecutive Redis databases (DB 0 is left to developers), so
# no worker's stack ever flushes, enqueues on or consumes from another worker's database (a stack
# whose Celery worker consumed another worker's workflow runs hung both runs' streams). Within a
# worker, tests run one at a time; the offsets are:
#   0 the integration tier's cache        1 the integration tier's broker (its session worker)
#   2 live_server, streaming, crash tests  3 workflow / language-model e2e stacks
#   4 the workflow worker e2e stack        5 gevent / tracing / MCP e2e, the chart's cache
#   6 chat / MCP server e2e, the chart's broker
REDIS_SLOTS = 7
REDIS_DATABASES = 16  # Redis's default `databases`


def redis_url(offset: int = 0) -> str:
    assert 0 <= offset < REDIS_SLOTS, offset
    db = 1 + worker_index() * REDIS_SLOTS + offset
    if db >= REDIS_DATABASES:
        raise RuntimeError(f"pytest worker {worker_index()} needs Redis database {db}, beyond the {REDIS_DATABASES} a "
                           f"default Redis has: run with at most {(REDIS_DATABASES - 1) // REDIS_SLOTS} workers (-n)")
    return f"redis://{REDIS_HOST}:{REDIS_PORT}/{db}"


def bench_redis_url() -> str:
    """The benchmarks' database (bench/, outside pytest): the last one, beyond every pytest
    worker's slots, so a bench and a test run on one Redis never share a database."""
    return f"redis://{REDIS_HOST}:{REDIS_PORT}/{REDIS_DATABASES - 1}"


def pg_url(database: str) -> str:
    return f"postgresql+psycopg://{PG_USER}@{PG_HOST}:{PG_PORT}/{database}"


def _admin_connection():
    return psycopg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, dbname="postgres", connect_timeout=5,
                           autocommit=True)


def create_pg_database(purpose: str) -> str:
    name = f"llmops_{RUN_ID}_{worker_index()}_{purpose}"
    conn = _admin_connection()
    try:
        with conn.cursor() as cur:
            cur.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
            cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    finally:
        conn.close()
    return name


def drop_pg_database(name: str) -> None:
    conn = _admin_connection()
    try:
        with conn.cursor() as cur:
            cur.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
    finally:
        conn.close()


def make_test_config(instance_dir: Path, **overrides) -> Config:
    """A Config that ignores the developer's .env and environment-specific settings."""
    values = {"ENV": "test", "INSTANCE_DIR": instance_dir, "SECRET_KEY": "test-secret-key-" + "x" * 32,
              "LOG_LEVEL": "WARNING", "CORS_ORIGINS": "http://console.test"}
    values.update(overrides)
    return Config(_env_file=None, **values).resolved()


def config_env(conf: Config) -> dict[str, str]:
    """The same settings as environment variables, for server and worker subprocesses."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "COV_"))}
    for key, value in conf.model_dump().items():
        if value is None:
            continue
        env[key] = ",".join(value) if isinstance(value, list) else str(value)
    env["PYTHONUNBUFFERED"] = "1"
    return env


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]

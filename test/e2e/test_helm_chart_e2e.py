"""The Helm chart's processes, run here as the pods would run them: the migrate Job's, web's,
worker's, beat's and mcp's commands exactly as rendered, with exactly the environment the pods
get (the ConfigMap, the Secret and each container's env), against real PostgreSQL and Redis.

Only what a pod gets from its volumes and network differs: /data and /tmp become temporary
folders, and listeners bind 127.0.0.1 on free ports instead of the pod's 0.0.0.0.
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import psycopg
import pytest
from redis import Redis

from test.support.environment import (
    PG_HOST,
    PG_PORT,
    PG_USER,
    REDIS_HOST,
    REDIS_PORT,
    create_pg_database,
    drop_pg_database,
    free_port,
    redis_url,
)
from test.support.helm_chart import component, container, render
from test.support.processes import ROOT, ManagedProcess, wait_until

SECRET_KEY = "e2e-chart-secret-key-" + "k" * 40


def _redis_db(offset: int) -> int:
    return int(redis_url(offset).rsplit("/", 1)[1])


@pytest.fixture(scope="module")
def database():
    name = create_pg_database("helm")
    yield name
    drop_pg_database(name)


@pytest.fixture(scope="module")
def chart(database):
    cache_db, broker_db = _redis_db(5), _redis_db(6)  # the e2e stacks' range (see redis_url)
    for db in (cache_db, broker_db):
        Redis(host=REDIS_HOST, port=REDIS_PORT, db=db).flushdb()
    yield render({
        "secretKey": SECRET_KEY,
        "externalDatabase": {"host": PG_HOST, "port": PG_PORT, "user": PG_USER, "database": database},
        "externalRedis": {"host": REDIS_HOST, "port": REDIS_PORT, "cacheDb": cache_db, "brokerDb": broker_db},
        "web": {"gunicorn": {"workers": 1}},
        "worker": {"concurrency": 1},
        "ingress": {"enabled": True, "hosts": ["llmops.example.com"]},
    })
    for db in (cache_db, broker_db):
        Redis(host=REDIS_HOST, port=REDIS_PORT, db=db).flushdb()


@pytest.fixture(scope="module")
def pod_dirs(tmp_path_factory):
    return tmp_path_factory.mktemp("pod-data"), tmp_path_factory.mktemp("pod-tmp")


def _pod_env(chart, role: str, pod_dirs, **local) -> dict[str, str]:
    """What the container sees: envFrom (ConfigMap, Secret), then its own env entries."""
    data, tmp = pod_dirs
    workload = chart.get("Job" if role == "migrate" else "Deployment", component(role))
    env = {"PATH": os.environ["PATH"], "PYTHONUNBUFFERED": "1"}
    env |= chart.get("ConfigMap", component("env"))["data"]
    env |= chart.secret_data("llmops-test")
    env |= {e["name"]: e["value"] for e in container(workload).get("env", [])}
    # the pod's volumes: /data (shared) and /tmp (emptyDir)
    for key, value in list(env.items()):
        env[key] = str(tmp) if value == "/tmp" else value.replace("/data/", f"{data}/").replace("/tmp/", f"{tmp}/")
    env["FLASK_APP"] = "app.http.app:app"  # set by the image (Dockerfile ENV)
    return env | local


def _command(chart, role: str, pod_dirs) -> list[str]:
    workload = chart.get("Job" if role == "migrate" else "Deployment", component(role))
    command = list(container(workload)["command"])
    # the image's PATH puts /opt/venv/bin first; here that is this interpreter's venv
    command[0] = sys.executable if command[0] == "python" else str(Path(sys.executable).with_name(command[0]))
    data, _ = pod_dirs
    return [arg.replace("/data/", f"{data}/") for arg in command]


@pytest.fixture(scope="module")
def migrated(chart, pod_dirs, database):
    (pod_dirs[0] / "beat").mkdir(exist_ok=True)  # beat's own emptyDir at /data/beat
    done = subprocess.run(_command(chart, "migrate", pod_dirs), cwd=ROOT,
                          env=_pod_env(chart, "migrate", pod_dirs), capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stdout + done.stderr
    return done


def _start(chart, role, pod_dirs, tmp_path, **local) -> ManagedProcess:
    return ManagedProcess(_command(chart, role, pod_dirs), _pod_env(chart, role, pod_dirs, **local),
                          tmp_path / f"{role}.log")


def test_the_migrate_job_creates_the_schema(migrated, database):
    with psycopg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, dbname=database) as conn:
        version = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        tables = {r[0] for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
    assert version and {"account", "api_key", "app"} <= tables


def test_web_pod_is_ready_on_the_chart_environment(chart, pod_dirs, migrated, tmp_path):
    port = free_port()
    web = _start(chart, "web", pod_dirs, tmp_path, GUNICORN_BIND=f"127.0.0.1:{port}")
    try:
        base = f"http://127.0.0.1:{port}"
        # the startup/liveness probe, then the readiness probe: database, Redis, broker, storage
        wait_until(lambda: _status(f"{base}/health/live") == 200, timeout=90, what="web liveness", process=web)
        health = httpx.get(f"{base}/health", timeout=10)
        assert health.status_code == 200, health.text
        assert health.json()["status"] == "ok"
        assert set(health.json()["checks"]) >= {"database", "redis", "broker", "storage"}
        # HOME is the pod's /tmp: gunicorn's control socket goes there, not to the read-only image home
        wait_until(lambda: (pod_dirs[1] / ".gunicorn" / "gunicorn.ctl").exists(), timeout=30,
                   what="gunicorn control socket", process=web)
    finally:
        web.stop()


def test_worker_and_beat_pods_start_on_the_chart_environment(chart, pod_dirs, migrated, tmp_path):
    worker = _start(chart, "worker", pod_dirs, tmp_path)
    beat = _start(chart, "beat", pod_dirs, tmp_path)
    try:
        wait_until(lambda: "ready." in worker.log_tail(20000), timeout=90, what="Celery worker", process=worker)
        broker = chart.secret_data("llmops-test")["CELERY_BROKER_URL"]
        assert f"@{broker.split('://', 1)[1]}" in worker.log_tail(20000)  # "Connected to redis://:**@host:port/db"
        wait_until(lambda: "beat: Starting" in beat.log_tail(20000), timeout=90, what="Celery beat", process=beat)
        # the schedule file lands where the chart mounts beat's emptyDir (shelve may add a suffix)
        wait_until(lambda: any((pod_dirs[0] / "beat").glob("celerybeat-schedule*")),
                   timeout=60, what="beat schedule file", process=beat)
    finally:
        beat.stop()
        worker.stop()


def test_mcp_pod_listens_on_the_chart_environment(chart, pod_dirs, migrated, tmp_path):
    port = free_port()
    mcp = _start(chart, "mcp", pod_dirs, tmp_path, MCP_SERVER_HOST="127.0.0.1", MCP_SERVER_PORT=str(port))
    try:
        wait_until(lambda: _accepts(port), timeout=90, what="MCP server", process=mcp)  # the tcpSocket probe
        # it answers the protocol's route: without an API key, 401 (and no 5xx from missing settings)
        answer = httpx.post(f"http://127.0.0.1:{port}/mcp", json={}, headers={"Host": "llmops.example.com"}, timeout=10)
        assert answer.status_code == 401
    finally:
        mcp.stop()


def _status(url: str) -> int | None:
    try:
        return httpx.get(url, timeout=2).status_code
    except httpx.HTTPError:
        return None


def _accepts(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return True
    except OSError:
        return False

"""docker-compose.yml, Dockerfile and nginx.conf cannot run here (no docker): check that they
parse and that every command, file and setting they name exists in the repository."""
from __future__ import annotations

import importlib
import re
import shlex
from pathlib import Path

import yaml

from config import Config

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]


def _command(service: str) -> list[str]:
    command = SERVICES[service]["command"]
    return command if isinstance(command, list) else shlex.split(command)


def _resolve(target: str):
    module, _, attr = target.partition(":")
    return getattr(importlib.import_module(module), attr)  # module __getattr__ builds lazily


def test_compose_has_the_production_services():
    assert {"web", "worker", "beat", "postgres", "redis", "pgadmin", "nginx", "migrate"} <= set(SERVICES)
    assert set(COMPOSE["volumes"]) >= {"storage", "pgdata", "redisdata"}


def test_web_runs_gunicorn_with_the_repo_config():
    command = _command("web")
    assert command[0] == "gunicorn"
    conf = command[command.index("-c") + 1]
    assert (ROOT / conf).is_file()
    assert command[-1] == "app.http.app:app"
    assert SERVICES["web"]["environment"]["GUNICORN_BIND"].endswith(":5001")


def test_worker_beat_and_migrate_commands_name_real_entry_points():
    for service, verb in (("worker", "worker"), ("beat", "beat")):
        command = _command(service)
        assert command[:3] == ["celery", "-A", "app.http.app:celery"] and command[3] == verb
    assert _command("migrate") == ["flask", "db", "upgrade"]
    assert (ROOT / "internal/migration/env.py").is_file()


def test_entry_points_resolve(tmp_path, monkeypatch):
    monkeypatch.setenv("INSTANCE_DIR", str(tmp_path))
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    import app.http.app as composition_root

    composition_root._built.clear()
    try:
        assert _resolve("app.http.app:app").name == "app.http.app"
        assert _resolve("app.http.app:celery").main == "llmops"
    finally:
        composition_root._built.clear()


def test_app_environment_names_real_settings():
    fields = set(Config.model_fields)
    anchor = SERVICES["worker"]["environment"]
    for name in anchor:
        assert name in fields, name
    for name in SERVICES["web"]["environment"]:
        assert name in fields or name.startswith(("GUNICORN_", "PROMETHEUS_")), name


def test_dockerfile_copies_existing_paths_and_uses_the_same_entry_point():
    dockerfile = (ROOT / "Dockerfile").read_text()
    for source in re.findall(r"^COPY (?!--from)(?:--chown=\S+ )?(\S+) ", dockerfile, re.M):
        assert (ROOT / source).exists(), source
    assert 'CMD ["gunicorn", "-c", "app/http/gunicorn_conf.py", "app.http.app:app"]' in dockerfile
    assert "/health/live" in dockerfile


def test_nginx_proxies_to_web_and_streams_sse_unbuffered():
    nginx = (ROOT / "nginx.conf").read_text()
    assert "server web:5001;" in nginx
    stream_block = nginx[nginx.index("location ~ ^/(apps"):]
    stream_block = stream_block[: stream_block.index("}")]
    assert "proxy_buffering off;" in stream_block and "proxy_read_timeout 3600s;" in stream_block
    for path in ("/apps/1/conversations", "/assistant-agent/chat", "/web-apps/t/chat", "/workflows/1/debug",
                 "/ai/optimize-prompt", "/openapi/chat", "/v1/chat/completions"):
        pattern = stream_block.split()[2]
        assert re.match(pattern, path), path
    volumes = SERVICES["nginx"]["volumes"]
    assert "./nginx.conf:/etc/nginx/conf.d/default.conf:ro" in volumes

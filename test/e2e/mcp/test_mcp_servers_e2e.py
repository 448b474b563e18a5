"""MCP servers over real HTTP against the production server (gunicorn's gevent worker: the MCP
client's event loop must run on a real OS thread there), with a real MCP server built with the
`mcp` SDK on loopback, let through by the configured allow-list: add it, list its tools, open a
tool, refresh; take the server away and refresh again: a clear validation error, nothing lost."""
from __future__ import annotations

import time

import httpx

from app.http.app import create_app
from internal.service.account_service import AccountService
from test.conftest import _migrate
from test.support.environment import (
    config_env,
    create_pg_database,
    drop_pg_database,
    free_port,
    make_test_config,
    pg_url,
    redis_url,
)
from test.support.mcp_servers import McpTestServer
from test.support.processes import start_server


def test_mcp_server_pages_over_http_on_the_gevent_worker(tmp_path):
    with McpTestServer(tmp_path) as mcp:
        database = create_pg_database("mcp_e2e")
        conf = make_test_config(tmp_path, SQLALCHEMY_DATABASE_URI=pg_url(database), REDIS_URL=redis_url(5),
                                CELERY_BROKER_URL=redis_url(5), SSRF_ALLOWED_HOSTS=[f"127.0.0.1:{mcp.port}"])
        fixture_app = create_app(conf)
        _migrate(fixture_app)
        port = free_port()
        server = start_server(config_env(conf), port, tmp_path / "server.log", workers=1)
        try:
            email, password = f"e2e-mcp-{time.time_ns()}@example.com", "E2e-passw0rd"
            with fixture_app.app_context():
                fixture_app.extensions["injector"].get(AccountService).create_account(email, password, "T")
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as http:
                token = http.post("/auth/password-login", json={"email": email, "password": password}).json()
                auth = {"Authorization": f"Bearer {token['data']['access_token']}"}
                created = http.post("/mcp-servers", headers=auth, json={
                    "name": "sdk server", "url": mcp.url, "headers": [{"key": "X-Test", "value": "e2e-header-secret-99"}]})
                body = created.json()
                assert created.status_code == 200 and body["code"] == "success", body
                sid = body["data"]["id"]
                assert body["data"]["transport"] == "streamable_http"
                assert "e2e-header-secret-99" not in created.text
                listing = http.get("/mcp-servers", headers=auth).json()["data"]
                assert [t["name"] for t in listing["list"][0]["tools"]] == ["echo", "add", "fail", "slow", "big"]
                tool = http.get(f"/mcp-servers/{sid}/tools/add", headers=auth).json()["data"]
                assert tool["input_schema"]["required"] == ["a", "b"]
                # several refreshes at once on one gevent worker: the private loop serves them all
                with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as other:
                    answers = [other.post(f"/mcp-servers/{sid}/refresh", headers=auth) for _ in range(3)]
                assert all(a.json()["code"] == "success" for a in answers)
                mcp.stop()
                gone = http.post(f"/mcp-servers/{sid}/refresh", headers=auth)
                assert gone.json()["code"] == "validate_error"  # the console envelope (HTTP 200, as the course)
                assert "could not connect to the MCP server" in gone.json()["message"]
                assert len(http.get(f"/mcp-servers/{sid}", headers=auth).json()["data"]["tools"]) == 5
        finally:
            server.stop()
            with fixture_app.app_context():
                from pkg.sqlalchemy import SQLAlchemy

                fixture_app.extensions["injector"].get(SQLAlchemy).engine.dispose()
            drop_pg_database(database)

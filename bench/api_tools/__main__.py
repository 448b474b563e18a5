"""`make bench` → bench.api_tools: what our layer adds to one API tool call (an OpenAPI operation).

The same local endpoint (the fake upstream's GET /health, its own process on 127.0.0.1) is
called two ways, alternating in slices (bench.tools' loop):
  raw   — a pooled httpx.Client GET;
  tool  — ToolResolverService.resolve(api_tool: provider uuid + operation name; two owned-row
          lookups in the database, decrypting headers and auth, the cached compiled spec) + input
          validation + request building + invoke through the guarded client (SSRF decision,
          vetted connect, size cap, deadline) + result rendering and cap.
Concurrency 1 and 20; budget: <= 2 ms p50 added at concurrency 1 (--strict exits 1 when missed).
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import httpx
from flask_migrate import upgrade

from app.http.app import create_app
from bench.tools.__main__ import compare_ways, tool_caller
from internal.core.tools.base import ToolCallContext, ToolRef, ToolType
from internal.schema.api_tool_schema import CreateApiToolProviderReq
from internal.service.api_tool import ApiToolService
from test.conftest import make_account
from test.support.environment import make_test_config
from test.support.fake_openai.process import start_fake_upstream


def main() -> int:
    ap = argparse.ArgumentParser(prog="bench.api_tools")
    ap.add_argument("--duration", type=float, default=3.0, help="seconds per scenario and way")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--strict", action="store_true")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-api-tools-") as tmp:
        proc, url = start_fake_upstream(Path(tmp) / "upstream.log")
        try:
            port = url.rsplit(":", 1)[1]
            app = create_app(make_test_config(Path(tmp), SSRF_ALLOWED_HOSTS=[f"127.0.0.1:{port}"]))
            with app.app_context():
                upgrade()
            account = make_account(app)
            doc = {"server": url, "description": "bench", "paths": {"/health": {"get": {
                "operationId": "health", "description": "health check",
                "parameters": [{"name": "probe", "in": "query", "type": "str", "required": False}]}}}}
            with app.app_context():
                provider = app.extensions["injector"].get(ApiToolService).create_provider(
                    account.account_id, CreateApiToolProviderReq(
                        name="bench", openapi_schema=json.dumps(doc), headers=[{"key": "X-Bench", "value": "1"}],
                        auth={"type": "bearer", "token": "bench-token-0123456789"}))
            ref = ToolRef(type=ToolType.API, provider_id=str(provider.row.id), tool_id="health")
            ctx = ToolCallContext(account_id=account.account_id)
            target = f"{url}/health"

            def raw():
                client = httpx.Client(trust_env=False)
                return lambda: client.get(target, params={"probe": "x"}).raise_for_status()

            ok = compare_ways(raw, tool_caller(app, ref, ctx, {"probe": "x"}), args)
        finally:
            proc.stop()
    return 0 if ok or not args.strict else 1


if __name__ == "__main__":
    sys.exit(main())

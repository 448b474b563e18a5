"""The tool node with the caller's own API tool (an OpenAPI operation): resolved through the tool
layer on the engine's side (database reads in an app context of their own), called through the
SSRF guard (its seams route the document's host to a local server), the tool's answer as the
node's `text`. Another tenant's provider id never reaches the tool (course defect #6: refused at
the draft save, see test_workflow_validation_table.py)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.http.app import create_app
from pkg.ssrf import SsrfGuard
from test.conftest import ConsoleClient, make_account
from test.support.local_http import LocalHTTPServer, Request
from test.support.ssrf_fakes import PUBLIC_IP, FakeResolver, GuardSeams, RoutingConnector, TrapServer
from test.unit.workflow.builders import G, ref, start_input, var

from .helpers import create_workflow, read_frames

PETSTORE = Path(__file__).resolve().parents[2] / "fixtures" / "openapi" / "petstore-3.0.yaml"


def pets(req: Request):
    return 200, {"content-type": "application/json"}, json.dumps({"pets": [{"id": 7, "name": "Rex"}],
                                                                  "query": req.query})


@pytest.fixture(scope="module")
def tool_app(pg_config, pg_app):
    trap = TrapServer()
    with LocalHTTPServer({"GET /v1/pets": pets}) as server:
        guard = SsrfGuard([], resolver=FakeResolver({"petstore.test": [PUBLIC_IP]}),
                          connector=RoutingConnector({(PUBLIC_IP, 80): ("127.0.0.1", server.port)}, trap))
        yield create_app(pg_config, modules=[GuardSeams(guard)]), trap
    trap.close()


def test_a_workflow_calls_the_callers_api_tool(app, tool_app):
    flask_app, trap = tool_app
    console = ConsoleClient(flask_app, make_account(flask_app))
    provider = console.post("/api-tools", json={"name": "pets", "icon": "https://icons.test/p.png",
                                                "openapi_schema": PETSTORE.read_text()})
    assert provider["code"] == "success", provider
    g = G().start(start_input("limit", "int"))
    g.add("pets", "tool", title="宠物列表", tool_type="api_tool", provider_id=provider["data"]["id"], tool_id="listPets",
          params={}, inputs=[var("limit", "int", ref("start", "limit"))], outputs=[var("text")])
    g.end(var("text", "string", ref("pets", "text")))
    wf_id = create_workflow(console)
    saved = console.post(f"/workflows/{wf_id}/draft-graph", json=g.chain("start", "pets", "end").dump())
    assert saved["code"] == "success", saved
    frames = [d for _, d in read_frames(console.http.post(f"/workflows/{wf_id}/debug", json={"limit": 2},
                                                         headers=console.account.headers))]
    assert [f["status"] for f in frames] == ["succeeded"] * 3, frames
    tool = frames[1]
    assert tool["node_data"] == {"id": "pets", "node_type": "tool", "type": "tool", "title": "宠物列表"}
    answer = json.loads(frames[-1]["outputs"]["text"])
    assert answer["pets"] == [{"id": 7, "name": "Rex"}] and answer["query"]["limit"] == ["2"]
    assert trap.hits == 0

"""Workflow runs on a Celery worker, streamed back through Redis to any server process (issue 12,
production layout): two gunicorn servers A and B (gevent workers) and one Celery worker process
share PostgreSQL and Redis. A debug SSE served by A while the run executes on the worker (the
worker logs the run), stopped from B, re-attached from B (B replays the frames the client
missed), a client that disconnects leaves the run finishing `succeeded`, and the API's blocking
and streaming answers come through the worker."""
from __future__ import annotations

import re
import uuid

import httpx
import pytest
from sqlalchemy import select

from internal.model.workflow import WorkflowNodeRun, WorkflowResult
from internal.service.api_key_service import ApiKeyService
from pkg import sse
from pkg.sqlalchemy import SQLAlchemy
from test.conftest import make_account
from test.support.environment import free_port
from test.support.live_stack import live_stack
from test.support.processes import start_server, wait_until
from test.unit.workflow.builders import G, code_node, ref, start_input, var

CODE = "import time\n\ndef main(params):\n    time.sleep({delay})\n    return {{\"y\": params[\"x\"] + \"!\"}}\n"
FRAME = re.compile(rb"(event: workflow\ndata: [^\n]+\n\n|: ping\n\n)")  # DESIGN §1: nothing else on the wire


def graph(*delays: float) -> dict:
    g = G().start(start_input("q"))
    names = [f"n{i}" for i in range(len(delays))]
    source = ("start", "q")
    for name, delay in zip(names, delays, strict=True):
        code_node(g, name, CODE.format(delay=delay), {"x": ("string", ref(*source))}, {"y": "string"})
        source = (name, "y")
    g.end(var("y", "string", ref(*source)))
    return g.chain("start", *names, "end").dump()


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("wf-worker-e2e")
    env = {"GUNICORN_WORKER_CLASS": None}  # the production default: gevent
    with live_stack(tmp, "wf_worker", 4, env, workers=1, worker=True, AGENT_LEASE_SECONDS=2.0) as s:
        assert "WORKFLOW_RUNS_ON" not in s.env or s.env["WORKFLOW_RUNS_ON"] == "auto"  # auto = worker here
        port = free_port()
        second = start_server(s.env, port, tmp / "second.log", workers=1)
        try:
            yield s, f"http://127.0.0.1:{port}"
        finally:
            second.stop()


def _auth(s) -> dict[str, str]:
    return {"Authorization": f"Bearer {s.account.token}"}


def _workflow(s, g: dict) -> str:
    body = {"name": "worker", "tool_call_name": f"w{uuid.uuid4().hex[:8]}", "icon": "https://cdn.example.com/w.png",
            "description": ""}
    created = httpx.post(f"{s.url}/workflows", json=body, headers=_auth(s), timeout=10).json()
    assert created["code"] == "success", created
    wf_id = created["data"]["id"]
    saved = httpx.post(f"{s.url}/workflows/{wf_id}/draft-graph", json=g, headers=_auth(s), timeout=10).json()
    assert saved["code"] == "success", saved
    return wf_id


def _run_row(s, run_id: str) -> tuple[str, list[str]]:
    db = s.app.extensions["injector"].get(SQLAlchemy)
    with s.app.app_context():
        row = db.session.get(WorkflowResult, uuid.UUID(run_id))
        nodes = db.session.scalars(select(WorkflowNodeRun.node_id).where(WorkflowNodeRun.result_id == row.id)
                                   .order_by(WorkflowNodeRun.position)).all()
        status = row.status
        db.session.remove()
    return status, list(nodes)


def _is_debug_passed(s, wf_id: str) -> bool:
    return httpx.get(f"{s.url}/workflows/{wf_id}", headers=_auth(s), timeout=10).json()["data"]["is_debug_passed"]


def test_a_debug_run_executes_on_the_worker_and_streams_to_the_server(stack):
    s, _ = stack
    wf_id = _workflow(s, graph(0, 0))
    raw = b""
    with httpx.stream("POST", f"{s.url}/workflows/{wf_id}/debug", json={"q": "go"}, headers=_auth(s),
                      timeout=30) as resp:
        assert resp.status_code == 200 and resp.headers["content-type"].startswith("text/event-stream")
        for chunk in resp.iter_bytes():
            raw += chunk
    assert FRAME.sub(b"", raw) == b"", raw  # the console's frames, byte for byte, nothing in between
    frames = [data for _, data in sse.parse([raw])]
    assert [(f["node_id"], f["node_data"]["node_type"], f["status"]) for f in frames] == [
        ("start", "start", "succeeded"), ("n0", "code", "succeeded"), ("n1", "code", "succeeded"),
        ("end", "end", "succeeded")]
    assert frames[-1]["outputs"] == {"y": "go!!"} and isinstance(frames[-1]["latency"], float)
    run_id = frames[0]["run_id"]
    wait_until(lambda: f"{run_id}: succeeded" in s.worker.log_tail(200000), timeout=30,
               what="the worker's log of the run", process=s.worker)  # it ran there, not on the server
    assert run_id not in s.server.log_tail(200000)
    assert _run_row(s, run_id) == ("succeeded", ["start", "n0", "n1", "end"])
    assert _is_debug_passed(s, wf_id) is True  # the worker's bookkeeping, before the stream's end


def test_a_debug_run_on_server_a_is_stopped_from_server_b(stack):
    s, other = stack
    wf_id = _workflow(s, graph(1, 1, 1))
    seen = []
    with httpx.stream("POST", f"{s.url}/workflows/{wf_id}/debug", json={"q": "go"}, headers=_auth(s),
                      timeout=30) as resp:
        for _, data in sse.parse(resp.iter_bytes()):
            seen.append(data)
            if len(seen) == 1:  # the start node's frame: n0 is sleeping on the worker
                stop = httpx.post(f"{other}/workflows/{wf_id}/runs/{data['run_id']}/stop", headers=_auth(s),
                                  timeout=10).json()
                assert stop["code"] == "success", stop
    assert seen[-1]["status"] == "stopped" and seen[-1]["node_data"]["node_type"] == "workflow", seen
    status, nodes = _run_row(s, seen[0]["run_id"])
    assert status == "stopped" and "n2" not in nodes and "end" not in nodes
    again = httpx.post(f"{other}/workflows/{wf_id}/runs/{seen[0]['run_id']}/stop", headers=_auth(s), timeout=10)
    assert again.json()["code"] == "fail"  # it has ended


def test_a_client_reattaches_on_server_b_and_gets_the_frames_it_missed(stack):
    s, other = stack
    wf_id = _workflow(s, graph(0.5, 0.5))
    with httpx.stream("POST", f"{s.url}/workflows/{wf_id}/debug", json={"q": "go"}, headers=_auth(s),
                      timeout=30) as resp:
        first = next(sse.parse(resp.iter_bytes()))[1]  # then the connection drops
    run_id = first["run_id"]
    url = f"{other}/workflows/{wf_id}/runs/{run_id}/events"
    with httpx.stream("GET", url, params={"after": 1}, headers=_auth(s), timeout=30) as resp:
        rest = [data for _, data in sse.parse(resp.iter_bytes())]
    assert [first["node_id"]] + [f["node_id"] for f in rest] == ["start", "n0", "n1", "end"]
    assert rest[-1]["outputs"] == {"y": "go!!"}
    replay = [data["node_id"] for _, data in sse.parse(httpx.get(url, headers=_auth(s), timeout=30).iter_bytes())]
    assert replay == ["start", "n0", "n1", "end"]  # after=0: the whole run again, from Redis
    stranger = {"Authorization": f"Bearer {make_account(s.app).token}"}
    refused = httpx.get(url, headers=stranger, timeout=10)  # another tenant: not found, still SSE
    assert next(sse.parse([refused.content]))[1]["code"] == "not_found"
    missing = httpx.get(f"{other}/workflows/{wf_id}/runs/{uuid.uuid4()}/events", headers=_auth(s), timeout=10)
    assert next(sse.parse([missing.content]))[1]["code"] == "not_found"


def test_a_client_that_disconnects_leaves_the_run_finishing(stack):
    s, _ = stack
    wf_id = _workflow(s, graph(1, 0))
    with httpx.stream("POST", f"{s.url}/workflows/{wf_id}/debug", json={"q": "go"}, headers=_auth(s),
                      timeout=30) as resp:
        run_id = next(sse.parse(resp.iter_bytes()))[1]["run_id"]  # the browser tab closes here
    assert _run_row(s, run_id)[0] == "running"
    wait_until(lambda: _run_row(s, run_id)[0] != "running", timeout=30, what="the run to end without its client")
    assert _run_row(s, run_id) == ("succeeded", ["start", "n0", "n1", "end"])
    assert _is_debug_passed(s, wf_id) is True


def test_the_api_runs_through_the_worker_blocking_and_streaming(stack):
    s, other = stack
    wf_id = _workflow(s, graph(0, 0.5))
    with httpx.stream("POST", f"{s.url}/workflows/{wf_id}/debug", json={"q": "a"}, headers=_auth(s),
                      timeout=30) as resp:
        assert [d["status"] for _, d in sse.parse(resp.iter_bytes())][-1] == "succeeded"
    assert httpx.post(f"{s.url}/workflows/{wf_id}/publish", headers=_auth(s), timeout=10).json()["code"] == "success"
    with s.app.app_context():
        _, key = s.app.extensions["injector"].get(ApiKeyService).create_api_key(s.account.account_id, True, "w")
    api = {"Authorization": f"Bearer {key}"}

    blocking = httpx.post(f"{other}/openapi/workflows/{wf_id}/run", json={"inputs": {"q": "go"}}, headers=api,
                          timeout=30)
    assert blocking.status_code == 200, blocking.text
    body = blocking.json()
    assert body["status"] == "succeeded" and body["outputs"] == {"y": "go!!"}
    assert [n["node_id"] for n in body["node_results"]] == ["start", "n0", "n1", "end"]
    wait_until(lambda: f"{body['run_id']}: succeeded" in s.worker.log_tail(400000), timeout=10,
               what="the worker's log of the blocking run", process=s.worker)

    with httpx.stream("POST", f"{s.url}/openapi/workflows/{wf_id}/run", json={"inputs": {"q": "go"}, "stream": True},
                      headers=api, timeout=30) as resp:
        events = sse.parse(resp.iter_bytes())
        ping = next(events)
        seen = [next(events), next(events)]  # run_started, node_started(start) …, then the client goes
    assert ping[0] == "ping" and [e for e, _ in seen] == ["run_started", "node_started"]
    url = f"{other}/openapi/workflows/{wf_id}/runs/{ping[1]['run_id']}/events"
    rest = list(sse.parse(httpx.get(url, params={"after": 2}, headers=api, timeout=30).iter_bytes()))
    assert rest[-1][0] == "run_succeeded" and rest[-1][1]["outputs"] == {"y": "go!!"}
    assert [d["node_id"] for e, d in rest if e == "node_succeeded"] == ["start", "n0", "n1", "end"]
    assert httpx.get(url, params={"after": -1}, headers=api, timeout=10).status_code == 400

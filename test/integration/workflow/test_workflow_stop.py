"""Stopping an API run from another request (any process: the run channel's stop flag): the run
ends `stopped` before its next node, and only a running run of the caller's workflow can be stopped."""
from __future__ import annotations

import uuid

from sqlalchemy import update

from internal.model.workflow import Workflow
from pkg import sse
from pkg.sqlalchemy import SQLAlchemy
from test.unit.workflow.builders import G, code_node, ref, start_input, var

from .helpers import create_workflow
from .test_workflow_api_run import api_key

SLOW = "import time\n\ndef main(params):\n    time.sleep(1)\n    return {\"y\": params[\"q\"]}\n"


def publish_slow(app, console) -> str:
    g = G().start(start_input("q"))
    code_node(g, "slow", SLOW, {"q": ("string", ref("start", "q"))}, {"y": "string"})
    code_node(g, "after", SLOW, {"q": ("string", ref("slow", "y"))}, {"y": "string"})
    g.end(var("y", "string", ref("after", "y")))
    graph = g.chain("start", "slow", "after", "end").dump()
    wf_id = create_workflow(console)
    db = app.extensions["injector"].get(SQLAlchemy)
    with app.app_context(), db.auto_commit():
        db.session.execute(update(Workflow).where(Workflow.id == uuid.UUID(wf_id))
                           .values(graph=graph, draft_graph=graph, status="published"))
    return wf_id


def test_a_run_stops_before_its_next_node(app, console, other_console):
    wf_id = publish_slow(app, console)
    key = api_key(app, console.account.account_id)
    http = app.test_client()
    response = http.post(f"/openapi/workflows/{wf_id}/run", json={"inputs": {"q": "x"}, "stream": True}, headers=key,
                         buffered=False)
    events, stop = [], None
    for chunk in response.response:
        for event, data in sse.parse([chunk]):
            events.append((event, data))
            if event == "node_started" and data["node_id"] == "slow":
                run = f"/openapi/workflows/{wf_id}/runs/{data['run_id']}/stop"
                assert http.post(run, headers=api_key(app, other_console.account.account_id)).status_code == 404
                stop = http.post(run, headers=key)
    response.close()
    assert stop.status_code == 200 and stop.get_json()["result"] == "stop requested"
    names = [e for e, _ in events]
    assert names[-1] == "run_stopped", names
    assert not any(e == "node_started" and d["node_id"] == "after" for e, d in events)
    again = http.post(f"/openapi/workflows/{wf_id}/runs/{events[0][1]['run_id']}/stop", headers=key)
    assert again.status_code == 400  # it has ended
    assert http.post(f"/openapi/workflows/{wf_id}/runs/{uuid.uuid4()}/stop", headers=key).status_code == 404

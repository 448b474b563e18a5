"""A debug client that goes away after the first frame does not stop the run: it finishes on its
own thread, every node is recorded and the draft is marked debugged."""
from __future__ import annotations

import time

from sqlalchemy import select

from internal.model.workflow import WorkflowNodeRun, WorkflowResult
from pkg import sse
from pkg.sqlalchemy import SQLAlchemy

from .helpers import create_workflow, runnable_graph

SLOW_CODE = ("import time\n\ndef main(params):\n    time.sleep(0.5)\n"
             "    return {\"length\": len(params[\"text\"]), \"shout\": params[\"text\"].upper()}\n")


def test_the_run_goes_on_after_the_client_disconnects(app, console):
    wf_id = create_workflow(console)
    graph = runnable_graph()
    graph["nodes"][2]["code"] = SLOW_CODE
    console.post(f"/workflows/{wf_id}/draft-graph", json=graph)
    response = console.http.post(f"/workflows/{wf_id}/debug", json={"query": "q"}, headers=console.account.headers,
                                 buffered=False)
    first = next(iter(response.response))
    assert next(sse.parse([first]))[1]["node_data"]["node_type"] == "start"
    response.close()  # the client is gone; the code node is still sleeping

    db = app.extensions["injector"].get(SQLAlchemy)
    deadline = time.monotonic() + 30
    while True:
        with app.app_context():
            run = db.session.scalars(select(WorkflowResult)).one()
            status, nodes = run.status, db.session.scalars(select(WorkflowNodeRun)).all()
            db.session.remove()
        if status != "running" or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert status == "succeeded" and len(nodes) == 4
    assert console.get(f"/workflows/{wf_id}")["data"]["is_debug_passed"] is True

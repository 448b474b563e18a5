"""A blocking API call whose run executes in this process runs it on the request's own thread
(no hand-off, no frames), and the store holds back the header and the rows of pure nodes until
the run's next write: what the tests here check is that nothing of the durability goes with it —
every node run recorded, the row readable (and the run stoppable) while a node with side
effects runs, the slot given back, and a start → end run written in one transaction."""
from __future__ import annotations

import threading
import uuid

from sqlalchemy import event, select, update

from internal.model.workflow import Workflow, WorkflowNodeRun, WorkflowResult
from internal.service.workflow.run_slots import RunSlots
from pkg.sqlalchemy import SQLAlchemy
from test.support.processes import wait_until
from test.unit.workflow.builders import G, ref, start_input, var

from .helpers import create_workflow
from .test_workflow_api_run import api_key
from .test_workflow_stop import publish_slow


def _rows(app, db) -> tuple[list[WorkflowResult], list[WorkflowNodeRun]]:
    with app.app_context():
        runs = db.session.scalars(select(WorkflowResult)).all()
        nodes = db.session.scalars(select(WorkflowNodeRun).order_by(WorkflowNodeRun.position)).all()
        db.session.remove()
    return runs, nodes


def _published_start_end(app, console) -> tuple[str, SQLAlchemy, dict]:
    """A published start → end workflow: (its id, the db, API-key headers)."""
    g = G().start(start_input("q"))
    g.end(var("q", "string", ref("start", "q")))
    graph = g.chain("start", "end").dump()
    wf_id = create_workflow(console)
    db = app.extensions["injector"].get(SQLAlchemy)
    with app.app_context(), db.auto_commit():
        db.session.execute(update(Workflow).where(Workflow.id == uuid.UUID(wf_id))
                           .values(graph=graph, draft_graph=graph, status="published"))
    return wf_id, db, api_key(app, console.account.account_id)


def test_a_blocking_run_on_the_request_thread_is_recorded_and_can_be_stopped(app, console):
    wf_id = publish_slow(app, console)  # start → slow (code, 1 s) → after (code, 1 s) → end
    key = api_key(app, console.account.account_id)
    db = app.extensions["injector"].get(SQLAlchemy)
    answer: dict = {}

    def call() -> None:
        resp = app.test_client().post(f"/openapi/workflows/{wf_id}/run", json={"inputs": {"q": "x"}}, headers=key)
        answer.update(status_code=resp.status_code, body=resp.get_json())

    caller = threading.Thread(target=call)
    caller.start()
    # before the code node runs, the held-back header and start node are written
    wait_until(lambda: any(n.node_id == "start" for n in _rows(app, db)[1]), timeout=30, what="the run's first rows")
    runs, _ = _rows(app, db)
    assert [r.status for r in runs] == ["running"]
    stop = app.test_client().post(f"/openapi/workflows/{wf_id}/runs/{runs[0].id}/stop", headers=key)
    assert stop.status_code == 200, stop.get_data(as_text=True)
    caller.join(timeout=30)

    assert answer["status_code"] == 200 and answer["body"]["status"] == "stopped", answer
    assert [n["node_id"] for n in answer["body"]["node_results"]] == ["start", "slow"]
    runs, nodes = _rows(app, db)
    assert runs[0].status == "stopped" and [(n.node_id, n.position) for n in nodes] == [("start", 1), ("slow", 2)]
    assert app.extensions["injector"].get(RunSlots)._running == {}  # the run's slot is given back


def test_a_start_to_end_run_is_one_transaction_with_every_row(app, console):
    wf_id, db, key = _published_start_end(app, console)
    writes: list[tuple[str, int]] = []

    def on_execute(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith(("INSERT INTO WORKFLOW", "UPDATE WORKFLOW")):
            writes.append((" ".join(statement.split()[:3]).lower(), id(conn)))

    def on_commit(conn):
        writes.append(("commit", id(conn)))

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", on_execute)
    event.listen(engine, "commit", on_commit)
    try:
        resp = app.test_client().post(f"/openapi/workflows/{wf_id}/run", json={"inputs": {"q": "一次"}}, headers=key)
    finally:
        event.remove(engine, "before_cursor_execute", on_execute)
        event.remove(engine, "commit", on_commit)
    assert resp.status_code == 200 and resp.get_json()["outputs"] == {"q": "一次"}
    # the run's row goes in as it ended, its two node rows with it: no UPDATE, one transaction
    conn = next(c for w, c in writes if w == "insert into workflow_result")
    assert [w for w, c in writes if c == conn] == ["insert into workflow_result", "insert into workflow_node_run",
                                                   "commit"], writes
    assert not any(w.startswith(("insert", "update")) and c != conn for w, c in writes), writes
    runs, nodes = _rows(app, db)
    assert [r.status for r in runs] == ["succeeded"] and [n.node_id for n in nodes] == ["start", "end"]


def test_a_run_whose_row_cannot_be_written_is_not_promised_a_resume(app, console):
    """The held-back header: when the run's one write fails, no row exists for the sweep to
    resume, so the answer must not say it will be resumed."""
    wf_id, db, key = _published_start_end(app, console)

    def refuse(conn, cursor, statement, parameters, context, executemany):  # the database refusing the write
        if statement.lstrip().upper().startswith("INSERT INTO WORKFLOW_RESULT"):
            raise RuntimeError("disk full")

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", refuse)
    try:
        resp = app.test_client().post(f"/openapi/workflows/{wf_id}/run", json={"inputs": {"q": "x"}}, headers=key)
    finally:
        event.remove(engine, "before_cursor_execute", refuse)
    text = resp.get_data(as_text=True)
    assert "could not be saved" in text and "resumed" not in text and "disk full" not in text, text
    assert _rows(app, db) == ([], [])

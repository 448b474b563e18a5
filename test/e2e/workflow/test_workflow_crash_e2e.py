"""Durability over real processes (issue 12 "Must show"): a published workflow runs through the
API; the process running it is SIGKILLed after the first node finished and while the second one
sleeps; its run lease expires, the sweep hands the run to a Celery worker process, which resumes
it from the rows saved so far: the run completes with the right outputs and every finished node
ran exactly once (one row each; the node that finished before the kill is the one from before).

Two layouts: the run on a thread of the server (`WORKFLOW_RUNS_ON=process`; the server is
killed, its stream dies with it) and the run on a Celery worker (production: the worker is
killed, another worker resumes it, and the client's stream on the server — which never stopped
— gets the resumed run's events and its end)."""
from __future__ import annotations

import threading
import time
import uuid
from collections import Counter

import httpx
import pytest
from sqlalchemy import select, update

from app.http.app import create_app
from internal.model.workflow import Workflow, WorkflowNodeRun, WorkflowResult
from internal.schema.workflow_schema import CreateWorkflowReq
from internal.service.api_key_service import ApiKeyService
from internal.service.workflow.recovery_service import WorkflowRecoveryService
from internal.service.workflow.workflow_service import WorkflowService
from pkg import sse
from pkg.sqlalchemy import SQLAlchemy
from test.conftest import _migrate, make_account
from test.support.environment import (
    config_env,
    create_pg_database,
    drop_pg_database,
    free_port,
    make_test_config,
    pg_url,
    redis_url,
)
from test.support.processes import start_celery_worker, start_server, wait_until
from test.unit.workflow.builders import G, code_node, ref, start_input, var

FAST = "def main(params):\n    return {\"x\": params[\"q\"] + \"!\"}\n"
SLOW = "import time\n\ndef main(params):\n    time.sleep(4)\n    return {\"y\": params[\"x\"] * 2}\n"


def slow_graph() -> dict:
    g = G().start(start_input("q"))
    code_node(g, "fast", FAST, {"q": ("string", ref("start", "q"))}, {"x": "string"})
    code_node(g, "slow", SLOW, {"x": ("string", ref("fast", "x"))}, {"y": "string"})
    g.end(var("y", "string", ref("slow", "y")))
    return g.chain("start", "fast", "slow", "end").dump()


@pytest.fixture
def stack(tmp_path):
    database = create_pg_database("wfcrash")
    broker = redis_url(2)
    conf = make_test_config(tmp_path / "instance", SQLALCHEMY_DATABASE_URI=pg_url(database), REDIS_URL=broker,
                            CELERY_BROKER_URL=broker, AGENT_LEASE_SECONDS=2, API_KEY_RATE_LIMIT="100000/minute")
    app = create_app(conf)
    _migrate(app)
    processes = []
    yield app, conf, processes, tmp_path
    for p in processes:
        p.stop()
    with app.app_context():
        app.extensions["injector"].get(SQLAlchemy).engine.dispose()
    drop_pg_database(database)


def _published(app) -> tuple[str, str]:
    injector = app.extensions["injector"]
    db = injector.get(SQLAlchemy)
    account = make_account(app)
    with app.app_context():
        workflow = injector.get(WorkflowService).create_workflow(
            account.account_id, CreateWorkflowReq(name="慢", tool_call_name=f"slow_{uuid.uuid4().hex[:6]}", icon="/i.png"))
        with db.auto_commit():  # published as publish leaves it
            db.session.execute(update(Workflow).where(Workflow.id == workflow.id)
                               .values(graph=slow_graph(), draft_graph=slow_graph(), status="published"))
        _, key = injector.get(ApiKeyService).create_api_key(account.account_id, True, "crash")
    return str(workflow.id), key


def _row(app, run_id: str) -> WorkflowResult:
    db = app.extensions["injector"].get(SQLAlchemy)
    with app.app_context():
        found = db.session.get(WorkflowResult, uuid.UUID(run_id))
        db.session.expunge_all()
        db.session.remove()
        return found


def _sweep_until_resumed(app, run_id: str, process) -> None:
    """The beat schedule's sweep, run by hand until the run is claimed and has ended."""
    injector, celery = app.extensions["injector"], app.extensions["celery"]

    def resumed() -> bool:
        with app.app_context():
            injector.get(WorkflowRecoveryService).sweep(lambda rid: celery.send_task("workflow.resume_run", args=[rid]))
        return _row(app, run_id).status != "running"

    wait_until(resumed, timeout=90, what="the crashed run resumed on the worker", process=process, interval=0.2)


def _ran_once(app, run_id: str, killed_at: float) -> None:
    final = _row(app, run_id)
    assert final.status == "succeeded" and final.outputs == {"y": "go!go!"}, (final.status, final.error)
    db = app.extensions["injector"].get(SQLAlchemy)
    with app.app_context():
        rows = db.session.scalars(select(WorkflowNodeRun).where(WorkflowNodeRun.result_id == uuid.UUID(run_id))
                                  .order_by(WorkflowNodeRun.position)).all()
        assert Counter(r.node_id for r in rows) == {"start": 1, "fast": 1, "slow": 1, "end": 1}
        fast = next(r for r in rows if r.node_id == "fast")
        assert fast.record["finished_at"] <= killed_at  # it ran before the kill, never again
        slow = next(r for r in rows if r.node_id == "slow")
        assert slow.record["started_at"] > killed_at  # the slow node ran (again) on the worker


def test_server_killed_mid_run_the_run_completes_on_a_worker(stack):
    app, conf, processes, tmp = stack
    wf_id, key = _published(app)
    port = free_port()
    server = start_server({**config_env(conf), "WORKFLOW_RUNS_ON": "process"}, port, tmp / "server.log", workers=1)
    processes.append(server)
    run_id, killed_at = None, None
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as http, http.stream(
                "POST", f"/openapi/workflows/{wf_id}/run", json={"inputs": {"q": "go"}, "stream": True},
                headers={"Authorization": f"Bearer {key}"}) as resp:
            assert resp.status_code == 200
            for event, data in sse.parse(resp.iter_bytes()):
                run_id = run_id or data["run_id"]
                if event == "node_succeeded" and data["node_id"] == "fast":
                    killed_at = time.time()
                    server.kill()  # SIGKILL to the whole server while the slow node sleeps
    except httpx.HTTPError:
        pass  # the connection died with the server
    assert run_id and killed_at, "the run never reached the slow node"
    assert _row(app, run_id).status == "running"  # nobody finished it
    worker = start_celery_worker(config_env(conf), tmp / "worker.log", name=f"wfcrash-{uuid.uuid4().hex[:6]}")
    processes.append(worker)
    _sweep_until_resumed(app, run_id, worker)
    _ran_once(app, run_id, killed_at)


def test_worker_killed_mid_run_another_worker_resumes_it_and_the_stream_gets_the_end(stack):
    app, conf, processes, tmp = stack
    wf_id, key = _published(app)
    env = config_env(conf)  # REDIS_URL and a Redis broker: runs execute on workers
    first = start_celery_worker(env, tmp / "worker-1.log", name=f"wfkill1-{uuid.uuid4().hex[:6]}")
    processes.append(first)
    port = free_port()
    processes.append(start_server(env, port, tmp / "server.log", workers=1))
    run_id, killed_at, events, sweeper = None, None, [], None
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as http, http.stream(
            "POST", f"/openapi/workflows/{wf_id}/run", json={"inputs": {"q": "go"}, "stream": True},
            headers={"Authorization": f"Bearer {key}"}) as resp:
        assert resp.status_code == 200
        for event, data in sse.parse(resp.iter_bytes()):
            events.append((event, data))
            run_id = run_id or data["run_id"]
            if event == "node_succeeded" and data["node_id"] == "fast" and killed_at is None:
                killed_at = time.time()
                first.kill()  # SIGKILL to the worker running it, while the slow node sleeps
                second = start_celery_worker(env, tmp / "worker-2.log", name=f"wfkill2-{uuid.uuid4().hex[:6]}")
                processes.append(second)
                sweeper = threading.Thread(target=_sweep_until_resumed, args=(app, run_id, second), daemon=True)
                sweeper.start()
    assert killed_at, "the run never reached the slow node"
    sweeper.join(timeout=120)
    names = [e for e, _ in events]
    assert names[-1] == "run_succeeded" and events[-1][1]["outputs"] == {"y": "go!go!"}, names
    assert names.count("run_started") == 2  # the first life and the resumed one, on one stream
    assert [d["node_id"] for e, d in events if e == "node_succeeded"] == ["start", "fast", "slow", "end"]
    _ran_once(app, run_id, killed_at)

"""Recovery of runs whose process died: the lease stops being renewed, the sweep claims the run
exactly once and resumes it from its rows (finished nodes are not run again), and rows left
`running` with no lease that could expire are failed after the longest possible run."""
from __future__ import annotations

import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from internal.core.streaming import ChannelSettings, RedisStreamChannel
from internal.core.workflow.ports import CallerInfo
from internal.entity.workflow_entity import InvokeFrom
from internal.model.workflow import WorkflowNodeRun, WorkflowResult
from internal.service.workflow.app_scope import AppScope
from internal.service.workflow.compiled_graphs import CompiledGraphs
from internal.service.workflow.engine_factory import WorkflowEngineFactory
from internal.service.workflow.recovery_service import LOST_RUN_ERROR, WorkflowRecoveryService
from internal.service.workflow.run_channel import KEY_PREFIX, WorkflowRunChannel
from internal.service.workflow.run_executor import WorkflowRunExecutor
from pkg import sse
from pkg.sqlalchemy import SQLAlchemy

from .helpers import create_workflow, runnable_graph
from .test_workflow_run_store import Crash, CrashingStore


@pytest.fixture
def recovery(app):
    injector = app.extensions["injector"]
    channel = RedisStreamChannel(app.extensions["redis"], ChannelSettings(key_prefix=KEY_PREFIX + "test:",
                                                                          lease_ttl_s=0.3))
    runs, db = WorkflowRunChannel(channel), injector.get(SQLAlchemy)
    executor = WorkflowRunExecutor(db, injector.get(WorkflowEngineFactory), runs, CompiledGraphs())
    yield WorkflowRecoveryService(db, runs, executor)
    channel.close()


def test_a_crashed_run_is_claimed_once_and_resumed(app, console, recovery):
    wf_id = uuid.UUID(create_workflow(console))
    account = console.account.account_id
    db = app.extensions["injector"].get(SQLAlchemy)
    run_id = str(uuid.uuid4())
    with app.app_context():
        scope = AppScope.current()
        lease = recovery.runs.hold(run_id)
        engine = recovery.executor.engines.build(scope, CrashingStore(db, scope, account, wf_id, InvokeFrom.SERVICE_API.value))
        with pytest.raises(Crash):  # the process "dies" after two saved nodes
            engine.run(engine.compile(runnable_graph()), {"query": "恢复"}, caller=CallerInfo(str(account), str(wf_id)),
                       run_id=run_id)
        engine.shutdown()
        lease.abandon()  # no more renewals, as after a SIGKILL

        deadline = time.monotonic() + 10
        claimed: list[str] = []
        while not claimed and time.monotonic() < deadline:
            claimed = recovery.claim_crashed()
            time.sleep(0.05)
        assert claimed == [run_id] and recovery.claim_crashed() == []  # exactly one claimer

        result = recovery.resume(run_id)
        assert result.succeeded and result.outputs["answer"] == "你好，恢复！"
        rows = db.session.scalars(select(WorkflowNodeRun).where(WorkflowNodeRun.result_id == uuid.UUID(run_id))).all()
        assert Counter(r.node_id for r in rows) == Counter(n["id"] for n in runnable_graph()["nodes"])
        with recovery.runs.channel.subscribe(run_id) as sub:  # what a reader still attached gets
            entries = sub.next_batch(5)
        events = [event for entry in entries for event, _ in sse.parse([entry.frame])]
        assert events[0] == "run_started" and events[-1] == "run_succeeded" and entries[-1].terminal, events
        assert "node_succeeded" in events and len(events) < 2 * len(runnable_graph()["nodes"]) + 2  # the rest only
        assert recovery.resume(run_id) is None  # finished: nothing to resume
        assert not recovery.runs.channel.is_running(run_id)


def test_rows_left_running_without_a_lease_are_failed_in_the_end(app, console, recovery):
    wf_id = uuid.UUID(create_workflow(console))
    db = app.extensions["injector"].get(SQLAlchemy)
    with app.app_context():
        old, recent = uuid.uuid4(), uuid.uuid4()
        for run_id, age in ((old, timedelta(hours=2)), (recent, timedelta(seconds=5))):
            db.session.add(WorkflowResult(id=run_id, account_id=console.account.account_id, workflow_id=wf_id,
                                          invoke_from=InvokeFrom.DEBUGGER.value, status="running"))
            db.session.flush()
            db.session.execute(update(WorkflowResult).where(WorkflowResult.id == run_id)
                               .values(created_at=datetime.now(UTC) - age))
        db.session.commit()
        assert recovery.sweep(lambda run_id: None) == 1
        db.session.expire_all()
        assert (db.session.get(WorkflowResult, old).status, db.session.get(WorkflowResult, old).error) == (
            "failed", LOST_RUN_ERROR)
        assert db.session.get(WorkflowResult, recent).status == "running"

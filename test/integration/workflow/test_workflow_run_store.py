"""The database checkpoint store: a run whose process died after some nodes were saved is
resumed from the rows by another engine — the saved nodes are not run again, the rest is, and
every node has exactly one row."""
from __future__ import annotations

import uuid
from collections import Counter

import pytest
from sqlalchemy import select

from internal.core.workflow.ports import CallerInfo
from internal.entity.workflow_entity import InvokeFrom
from internal.model.workflow import WorkflowNodeRun, WorkflowResult
from internal.service.workflow.app_scope import AppScope
from internal.service.workflow.engine_factory import WorkflowEngineFactory
from internal.service.workflow.run_store import DatabaseRunStore
from pkg.sqlalchemy import SQLAlchemy

from .helpers import create_workflow, runnable_graph


class Crash(Exception):
    pass


class CrashingStore(DatabaseRunStore):
    """Dies (as a killed worker would) when asked to save its third node."""

    def save_node(self, run_id, record):
        if self._saved == 2:
            raise Crash()
        super().save_node(run_id, record)


def test_a_crashed_run_resumes_from_its_rows(app, console):
    wf_id = uuid.UUID(create_workflow(console))
    account = console.account.account_id
    injector = app.extensions["injector"]
    db, factory = injector.get(SQLAlchemy), injector.get(WorkflowEngineFactory)
    run_id = str(uuid.uuid4())
    with app.app_context():
        scope = AppScope.current()
        engine = factory.build(scope, CrashingStore(db, scope, account, wf_id, InvokeFrom.SERVICE_API.value))
        compiled = engine.compile(runnable_graph())
        with pytest.raises(Crash):
            engine.run(compiled, {"query": "续跑"}, caller=CallerInfo(str(account), str(wf_id)), run_id=run_id)
        engine.shutdown()
        assert db.session.get(WorkflowResult, uuid.UUID(run_id)).status == "running"

        other = factory.build(scope, DatabaseRunStore(db, scope, account, wf_id, InvokeFrom.SERVICE_API.value))
        result = other.resume(run_id)
        other.shutdown()
        assert result.succeeded and result.outputs["answer"] == "你好，续跑！"
        rows = db.session.scalars(select(WorkflowNodeRun).order_by(WorkflowNodeRun.position)).all()
        assert [r.position for r in rows] == [1, 2, 3, 4]
        assert Counter(r.node_id for r in rows) == Counter(n["id"] for n in runnable_graph()["nodes"])
        db.session.expire_all()
        assert db.session.get(WorkflowResult, uuid.UUID(run_id)).status == "succeeded"
        again = factory.build(scope, DatabaseRunStore(db, scope, account, wf_id, InvokeFrom.SERVICE_API.value))
        assert again.resume(run_id).outputs == result.outputs  # a finished run answers its stored result

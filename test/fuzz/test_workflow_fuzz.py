"""The workflow operations of /openapi.json fuzzed with ids the account owns: a workflow with a
runnable draft, published (random ids only reach "not found" in the tier-wide fuzz). Same
checks as test_openapi_fuzz.py: no 5xx, answers the published schema allows, no secret echoed."""
from __future__ import annotations

import schemathesis
from schemathesis.generation import GenerationMode

from internal.entity.workflow_entity import WorkflowStatus
from internal.model.workflow import Workflow
from internal.schema.workflow_schema import CreateWorkflowReq
from internal.service.workflow.workflow_service import WorkflowService
from pkg.sqlalchemy import SQLAlchemy
from test.integration.workflow.helpers import runnable_graph

from .test_openapi_fuzz import EXAMPLES, _fuzz


def _owned_published_workflow(target) -> str:
    injector = target.app.extensions["injector"]
    service, db = injector.get(WorkflowService), injector.get(SQLAlchemy)
    with target.app.app_context():
        req = CreateWorkflowReq(name="fuzz", tool_call_name="fuzz_wf", icon="/icon.png")
        workflow = service.create_workflow(target.account_id, req)
        service.update_draft_graph(target.account_id, workflow.id, runnable_graph())
        with db.auto_commit():  # published as publish leaves it (the debug run is not the point here)
            row = db.session.get(Workflow, workflow.id)
            row.graph, row.status = runnable_graph(), WorkflowStatus.PUBLISHED.value
        return str(workflow.id)


def test_workflow_operations_with_an_owned_workflow(fuzz_target):
    workflow_id = _owned_published_workflow(fuzz_target)
    schema = schemathesis.openapi.from_wsgi("/openapi.json", fuzz_target.app)
    operations = sorted((r.ok() for r in schema.get_all_operations() if "/workflows" in r.ok().path),
                        key=lambda op: (op.path.endswith("/delete"), op.path, op.method))
    assert len(operations) == 18, [op.path for op in operations]
    cases: list = []
    failures: list[str] = []
    for operation in operations:
        _fuzz(operation, fuzz_target, GenerationMode.NEGATIVE, EXAMPLES // 2, cases, failures)
        owned = {"workflow_id": workflow_id} if "{workflow_id}" in operation.path else None
        _fuzz(operation, fuzz_target, GenerationMode.POSITIVE, EXAMPLES, cases, failures, owned)
    assert not failures, f"{len(failures)} of {len(cases)} generated requests failed:\n" + "\n".join(failures[:40])

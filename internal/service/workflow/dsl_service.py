"""Export a workflow as YAML DSL and import one as a new draft (internal/core/workflow/dsl.py).

Export writes the draft graph as saved. Import reads the document safely (no Python tags, no
aliases, ≤ 2 MiB), checks the workflow fields and the graph as a draft save would, and re-checks
every tool, dataset and workflow id in it against the *importing* account: an id that is not
theirs is a `validate_error` naming the node and field, and nothing is created."""
from __future__ import annotations

import uuid
from dataclasses import dataclass

from injector import inject
from pydantic import ValidationError

from internal.core.workflow.dsl import export_dsl, import_dsl
from internal.core.workflow.validation import GraphValidationError
from internal.exception import ValidateErrorException
from internal.model.workflow import Workflow
from internal.schema.workflow_schema import CreateWorkflowReq

from .graph_checks import GraphChecks, validate_error
from .workflow_service import WorkflowService


def _meta_error(exc: ValidationError) -> ValidateErrorException:
    errors = [{"field": "workflow." + ".".join(str(p) for p in e["loc"]), "message": e["msg"]}
              for e in exc.errors(include_url=False, include_input=False)]
    return ValidateErrorException(f"{errors[0]['field']}: {errors[0]['message']}", data={"errors": errors})


@inject
@dataclass
class WorkflowDslService:
    workflows: WorkflowService
    checks: GraphChecks

    def export_workflow(self, account_id: uuid.UUID, workflow_id) -> str:
        w = self.workflows.get_workflow(account_id, workflow_id)
        return export_dsl(name=w.name, tool_call_name=w.tool_call_name, description=w.description, icon=w.icon,
                          graph=w.draft_graph or {"nodes": [], "edges": []})

    def import_workflow(self, account_id: uuid.UUID, text: str) -> Workflow:
        try:
            dsl = import_dsl(text)
        except GraphValidationError as err:
            raise validate_error(err) from None
        try:
            meta = CreateWorkflowReq(name=dsl.name, tool_call_name=dsl.tool_call_name, icon=dsl.icon,
                                     description=dsl.description)
        except ValidationError as exc:
            raise _meta_error(exc) from None
        issues = self.checks.reference_issues(account_id, dsl.references, uuid.uuid4(), strict=False)
        if issues:
            raise validate_error(GraphValidationError(issues))
        return self.workflows.create_workflow(account_id, meta, dsl.graph)

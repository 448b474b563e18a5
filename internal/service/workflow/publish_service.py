"""Publish and cancel publish. Publishing re-checks the draft strictly (a tool or dataset may
have gone since the debug run) and requires a passed debug run of this very draft; the draft is
then copied into `graph`, which the API and agents run. Cancelling clears it."""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from injector import inject

from internal.entity.workflow_entity import WorkflowStatus
from internal.exception import FailException
from internal.model.workflow import Workflow
from pkg.sqlalchemy import SQLAlchemy

from .graph_checks import GraphChecks
from .workflow_service import WorkflowService


@inject
@dataclass
class WorkflowPublishService:
    db: SQLAlchemy
    workflows: WorkflowService
    checks: GraphChecks

    def publish(self, account_id: uuid.UUID, workflow_id) -> Workflow:
        workflow = self.workflows.get_workflow(account_id, workflow_id)
        compiled = self.checks.compile_graph(account_id, workflow.draft_graph, workflow.id)  # validate_error
        if not workflow.is_debug_passed:
            raise FailException("run the workflow successfully in the debug pane before publishing it")
        with self.db.auto_commit():
            workflow.graph = compiled.raw
            workflow.status = WorkflowStatus.PUBLISHED.value
            workflow.published_at = datetime.now(UTC)
        return workflow

    def cancel_publish(self, account_id: uuid.UUID, workflow_id) -> Workflow:
        workflow = self.workflows.get_workflow(account_id, workflow_id)
        if workflow.status != WorkflowStatus.PUBLISHED.value:
            raise FailException("the workflow is not published")
        with self.db.auto_commit():
            workflow.status = WorkflowStatus.DRAFT.value
            workflow.graph = {}
            workflow.published_at = None
        return workflow

"""Graph checks the service adds to the engine's own: the ids a graph points at (tools,
datasets, workflows, at any depth) must be the caller's (DESIGN §4), and every problem becomes
ONE `validate_error` whose `data.errors` names the node and the field of each.

Draft saves (`check_draft_graph`) refuse ids that are not the caller's; debug and publish
(`compile_graph`) also need every tool to resolve with its settings and every called workflow to
be published and not this one."""
from __future__ import annotations

import uuid
from dataclasses import dataclass

from injector import inject

from internal.core.tools.base import ToolCallContext, ToolError, ToolNotFoundError, ToolType
from internal.core.workflow.engine import CompiledWorkflow, WorkflowEngine
from internal.core.workflow.entities.graph import GraphIssue
from internal.core.workflow.validation import CheckedGraph, GraphReferences, GraphValidationError, NodeRef, check_draft
from internal.entity.workflow_entity import WorkflowStatus
from internal.exception import NotFoundException, ValidateErrorException
from internal.model.dataset import Dataset
from internal.model.workflow import Workflow
from internal.service.base_service import get_owned
from internal.service.tool.tool_resolver_service import ToolResolverService
from pkg.sqlalchemy import SQLAlchemy


def validate_error(err: GraphValidationError) -> ValidateErrorException:
    """The console's validate_error for a graph: the first problem as the message, all in data."""
    return ValidateErrorException(err.message, data=err.data)


def _issue(ref: NodeRef, message: str) -> GraphIssue:
    return GraphIssue(message, node_id=ref.node_id, node_title=ref.node_title, field=ref.field)


@inject
@dataclass
class GraphChecks:
    db: SQLAlchemy
    tools: ToolResolverService

    def check_draft_graph(self, account_id: uuid.UUID, raw: object, workflow_id: uuid.UUID) -> CheckedGraph:
        try:
            checked = check_draft(raw)
        except GraphValidationError as err:
            raise validate_error(err) from None
        self._raise(self.reference_issues(account_id, checked.references, workflow_id, strict=False))
        return checked

    def compile_graph(self, account_id: uuid.UUID, raw: object, workflow_id: uuid.UUID) -> CompiledWorkflow:
        """Strict validation (runnable graph) + every id the caller's: what debug and publish need."""
        try:
            compiled = WorkflowEngine().compile(raw)  # type: ignore[arg-type]
        except GraphValidationError as err:
            raise validate_error(err) from None
        self._raise(self.reference_issues(account_id, compiled.checked.references, workflow_id, strict=True))
        return compiled

    @staticmethod
    def _raise(issues: list[GraphIssue]) -> None:
        if issues:
            raise validate_error(GraphValidationError(issues))

    def reference_issues(self, account_id: uuid.UUID, refs: GraphReferences, workflow_id: uuid.UUID,
                         strict: bool) -> list[GraphIssue]:
        issues: list[GraphIssue] = []
        for ref in refs.datasets:
            try:
                get_owned(self.db, Dataset, ref.value, account_id)
            except NotFoundException:
                issues.append(_issue(ref, "dataset not found"))
        for ref in refs.workflows:
            issues += self._workflow_issues(account_id, ref, workflow_id, strict)
        ctx = ToolCallContext(account_id=account_id)
        for ref in refs.tools:
            if ref.value.type == ToolType.WORKFLOW:
                continue  # checked above, by id
            try:
                self.tools.resolve(ref.value, ctx)  # ownership: another tenant's tool is ToolNotFoundError
            except ToolNotFoundError as exc:
                issues.append(_issue(ref, str(exc) or "tool not found"))
            except ToolError as exc:  # a setting the tool refuses: fine in a draft, not in a run
                if strict:
                    issues.append(_issue(ref, str(exc)))
        return issues

    def _workflow_issues(self, account_id: uuid.UUID, ref: NodeRef, workflow_id: uuid.UUID,
                         strict: bool) -> list[GraphIssue]:
        try:
            called = get_owned(self.db, Workflow, ref.value, account_id)
        except NotFoundException:
            return [_issue(ref, "workflow not found")]
        if called.id == workflow_id:
            return [_issue(ref, "a workflow cannot call itself")]
        if strict and called.status != WorkflowStatus.PUBLISHED.value:
            return [_issue(ref, "the workflow it calls is not published")]
        return []

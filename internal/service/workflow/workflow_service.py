"""Workflows: create, read, list, update, delete, and the draft graph the editor autosaves.
Every workflow id from a request is loaded through `get_owned` (another tenant's is "not found");
ids inside a saved graph are checked by GraphChecks."""
from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from injector import inject
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from internal.entity.workflow_entity import WorkflowStatus
from internal.exception import ValidateErrorException
from internal.model.workflow import Workflow
from internal.schema.workflow_schema import CreateWorkflowReq, GetWorkflowsWithPageReq
from internal.service.base_service import get_owned
from pkg.paginator import Paginator
from pkg.sqlalchemy import SQLAlchemy

from .graph_checks import GraphChecks

EMPTY_GRAPH: dict[str, Any] = {"nodes": [], "edges": []}


def like(word: str) -> str:
    return "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def without_positions(graph: dict[str, Any]) -> dict[str, Any]:
    """What a run depends on: the graph minus where the editor drew the nodes (a drag must not
    undo a passed debug run)."""
    nodes = [{k: v for k, v in n.items() if k != "position"} if isinstance(n, dict) else n
             for n in graph.get("nodes") or []]
    return {**graph, "nodes": nodes}


def _taken() -> ValidateErrorException:
    message = "tool_call_name: another workflow of yours already uses this name"
    return ValidateErrorException(message, data={"errors": [{"field": "tool_call_name", "message": message}]})


@inject
@dataclass
class WorkflowService:
    db: SQLAlchemy
    checks: GraphChecks

    def get_workflow(self, account_id: uuid.UUID, workflow_id) -> Workflow:
        return get_owned(self.db, Workflow, workflow_id, account_id, "workflow not found")

    def _check_name_free(self, account_id: uuid.UUID, tool_call_name: str, except_id: uuid.UUID | None = None) -> None:
        stmt = select(Workflow.id).where(Workflow.account_id == account_id, Workflow.tool_call_name == tool_call_name)
        if except_id is not None:
            stmt = stmt.where(Workflow.id != except_id)
        if self.db.session.scalar(stmt.limit(1)) is not None:
            raise _taken()

    def create_workflow(self, account_id: uuid.UUID, req: CreateWorkflowReq,
                        draft_graph: dict[str, Any] | None = None) -> Workflow:
        """`draft_graph` has been checked by the caller (an import); empty otherwise."""
        self._check_name_free(account_id, req.tool_call_name)
        workflow = Workflow(id=uuid.uuid4(), account_id=account_id, name=req.name, tool_call_name=req.tool_call_name,
                            icon=req.icon, description=req.description, graph={},
                            draft_graph=draft_graph or dict(EMPTY_GRAPH), is_debug_passed=False,
                            status=WorkflowStatus.DRAFT.value)
        try:
            with self.db.auto_commit():
                self.db.session.add(workflow)
        except IntegrityError:  # the same name created at the same moment
            raise _taken() from None
        return workflow

    def update_workflow(self, account_id: uuid.UUID, workflow_id, req: CreateWorkflowReq) -> Workflow:
        workflow = self.get_workflow(account_id, workflow_id)
        self._check_name_free(account_id, req.tool_call_name, workflow.id)
        try:
            with self.db.auto_commit():
                workflow.name, workflow.tool_call_name = req.name, req.tool_call_name
                workflow.icon, workflow.description = req.icon, req.description
        except IntegrityError:
            raise _taken() from None
        return workflow

    def delete_workflow(self, account_id: uuid.UUID, workflow_id) -> None:
        workflow = self.get_workflow(account_id, workflow_id)
        with self.db.auto_commit():
            self.db.session.delete(workflow)  # its runs and node runs cascade

    def get_workflows_with_page(self, account_id: uuid.UUID,
                                req: GetWorkflowsWithPageReq) -> tuple[Sequence[Workflow], Paginator]:
        stmt = select(Workflow).where(Workflow.account_id == account_id)
        if req.search_word:
            stmt = stmt.where(Workflow.name.ilike(like(req.search_word), escape="\\"))
        if req.status:
            stmt = stmt.where(Workflow.status == req.status)
        stmt = stmt.order_by(Workflow.created_at.desc(), Workflow.id)
        return Paginator.paginate(self.db.session, stmt, req)

    # -- the draft graph ------------------------------------------------------------------------
    def get_draft_graph(self, account_id: uuid.UUID, workflow_id) -> dict[str, Any]:
        return self.get_workflow(account_id, workflow_id).draft_graph or dict(EMPTY_GRAPH)

    def update_draft_graph(self, account_id: uuid.UUID, workflow_id, raw: dict[str, Any]) -> Workflow:
        """Saved as the editor sent it once it parses (unfinished nodes are fine, malformed ones
        are named, never dropped) and every id in it is the caller's; a change other than node
        positions clears `is_debug_passed`."""
        workflow = self.get_workflow(account_id, workflow_id)
        graph = self.checks.check_draft_graph(account_id, raw, workflow.id).dump()
        with self.db.auto_commit():
            if without_positions(graph) != without_positions(workflow.draft_graph or {}):
                workflow.is_debug_passed = False
            workflow.draft_graph = graph
        return workflow

"""Console /workflows: CRUD, the draft graph the editor autosaves, the debug run (SSE),
publish and cancel publish (docs/workflows.md). Thin: validate, one service call, serialize."""
from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps

from flask_login import current_user, login_required
from injector import inject

from internal.exception import CustomException
from internal.handler.sse import sse_response
from internal.handler.validation import document, validate
from internal.schema.workflow_schema import (
    CreateWorkflowReq,
    DebugWorkflowReq,
    DraftGraphReq,
    DraftGraphResp,
    ExportWorkflowResp,
    GetWorkflowsWithPageReq,
    ImportWorkflowReq,
    RunEventsReq,
    UpdateWorkflowReq,
    WorkflowResp,
)
from internal.service.workflow.debug_frames import refusal_frame
from internal.service.workflow.debug_service import WorkflowDebugService
from internal.service.workflow.dsl_service import WorkflowDslService
from internal.service.workflow.publish_service import WorkflowPublishService
from internal.service.workflow.workflow_service import WorkflowService
from pkg.i18n import translate_message
from pkg.paginator import page_data
from pkg.response import success_json, success_message

from .serializers import dump_workflow


def debug_refusals(fn: Callable) -> Callable:
    """The debug route answers SSE even when it refuses (bad body, graph, ids, inputs): one frame
    of the debug shape carrying the envelope's code and errors (DESIGN §1)."""
    @wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except CustomException as exc:
            errors = exc.data.get("errors") if isinstance(exc.data, dict) else None
            return sse_response([refusal_frame(exc.code.value, translate_message(exc.message), errors)])

    return wrapper


@inject
@dataclass
class WorkflowHandler:
    workflow_service: WorkflowService
    publish_service: WorkflowPublishService
    debug_service: WorkflowDebugService
    dsl_service: WorkflowDslService

    @login_required
    @validate(query=GetWorkflowsWithPageReq, response=WorkflowResp)
    def get_workflows_with_page(self, query: GetWorkflowsWithPageReq):
        """The caller's workflows, newest first (search_word matches the name; status filters)."""
        rows, paginator = self.workflow_service.get_workflows_with_page(current_user.id, query)
        return success_json(page_data(rows, paginator, dump_workflow))

    @login_required
    @validate(body=CreateWorkflowReq)
    def create_workflow(self, req: CreateWorkflowReq):
        workflow = self.workflow_service.create_workflow(current_user.id, req)
        return success_json({"id": str(workflow.id)})

    @login_required
    @validate(response=WorkflowResp)
    def get_workflow(self, workflow_id: uuid.UUID):
        return success_json(dump_workflow(self.workflow_service.get_workflow(current_user.id, workflow_id)))

    @login_required
    @validate(body=UpdateWorkflowReq)
    def update_workflow(self, workflow_id: uuid.UUID, req: UpdateWorkflowReq):
        self.workflow_service.update_workflow(current_user.id, workflow_id, req)
        return success_message("workflow updated")

    @login_required
    def delete_workflow(self, workflow_id: uuid.UUID):
        self.workflow_service.delete_workflow(current_user.id, workflow_id)
        return success_message("workflow deleted")

    @login_required
    @validate(response=DraftGraphResp)
    def get_draft_graph(self, workflow_id: uuid.UUID):
        """The draft graph exactly as the editor saved it."""
        return success_json(self.workflow_service.get_draft_graph(current_user.id, workflow_id))

    @login_required
    @validate(body=DraftGraphReq)
    def update_draft_graph(self, workflow_id: uuid.UUID, req: DraftGraphReq):
        """Autosave: unfinished graphs are accepted; malformed nodes and others' ids are named."""
        self.workflow_service.update_draft_graph(current_user.id, workflow_id, req.model_dump())
        return success_message("draft graph saved")

    @login_required
    @debug_refusals
    @document(produces=("text/event-stream",))
    @validate(body=DebugWorkflowReq)
    def debug_workflow(self, workflow_id: uuid.UUID, req: DebugWorkflowReq):
        """Run the draft with the start node's inputs (a flat object); node results as SSE."""
        frames = self.debug_service.debug(current_user.id, workflow_id, req.model_dump())
        return sse_response(frames)

    @login_required
    @debug_refusals
    @document(produces=("text/event-stream",))
    @validate(query=RunEventsReq)
    def debug_run_events(self, workflow_id: uuid.UUID, run_id: uuid.UUID, query: RunEventsReq):
        """Re-attach to a debug run (any server process): its frames after the first `after`."""
        return sse_response(self.debug_service.events(current_user.id, workflow_id, run_id, query.after))

    @login_required
    def stop_debug_run(self, workflow_id: uuid.UUID, run_id: uuid.UUID):
        """Stop a running run of this workflow, from any server process: it ends `stopped`."""
        self.debug_service.stop(current_user.id, workflow_id, run_id)
        return success_message("stop requested")

    @login_required
    def publish_workflow(self, workflow_id: uuid.UUID):
        """Needs a valid draft that passed a debug run; the draft becomes the published graph."""
        self.publish_service.publish(current_user.id, workflow_id)
        return success_message("workflow published")

    @login_required
    def cancel_publish_workflow(self, workflow_id: uuid.UUID):
        self.publish_service.cancel_publish(current_user.id, workflow_id)
        return success_message("workflow unpublished")

    @login_required
    @validate(response=ExportWorkflowResp)
    def export_workflow(self, workflow_id: uuid.UUID):
        """The workflow and its draft graph as YAML DSL."""
        return success_json({"dsl": self.dsl_service.export_workflow(current_user.id, workflow_id)})

    @login_required
    @validate(body=ImportWorkflowReq)
    def import_workflow(self, req: ImportWorkflowReq):
        """A new draft workflow from YAML DSL; every id in it must be the importing account's."""
        return success_json({"id": str(self.dsl_service.import_workflow(current_user.id, req.dsl).id)})

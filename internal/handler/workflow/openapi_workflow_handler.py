"""Third-party API of workflows: run a published workflow with an API key (docs/workflows.md).
Real status codes and JSON errors (the openapi surface), blocking JSON or SSE."""
from __future__ import annotations

import uuid
from dataclasses import dataclass

from flask_login import current_user, login_required
from injector import inject

from internal.handler.sse import sse_response
from internal.handler.validation import document, validate
from internal.schema.workflow_schema import RunEventsReq, RunWorkflowReq, RunWorkflowResp, StopRunResp
from internal.service.workflow.api_run_service import WorkflowApiRunService


@inject
@dataclass
class OpenApiWorkflowHandler:
    run_service: WorkflowApiRunService

    @login_required
    @document(produces=("text/event-stream",))
    @validate(body=RunWorkflowReq, response=RunWorkflowResp)
    def run_workflow(self, workflow_id: uuid.UUID, req: RunWorkflowReq):
        """Run a published workflow: its result as JSON, or (`stream: true`) its events as SSE."""
        if req.stream:
            frames = self.run_service.run_streaming(current_user.id, workflow_id, req.inputs)
            return sse_response(frames)
        return self.run_service.run_blocking(current_user.id, workflow_id, req.inputs)

    @login_required
    @validate(response=StopRunResp)
    def stop_run(self, workflow_id: uuid.UUID, run_id: uuid.UUID):
        """Stop a running run of this workflow (from any server process): it ends `stopped`."""
        self.run_service.stop(current_user.id, workflow_id, run_id)
        return {"run_id": str(run_id), "result": "stop requested"}

    @login_required
    @validate(response=RunWorkflowResp)
    def get_run(self, workflow_id: uuid.UUID, run_id: uuid.UUID):
        """A run of this workflow: its status, outputs and the nodes finished so far."""
        return self.run_service.get_run(current_user.id, workflow_id, run_id)

    @login_required
    @document(produces=("text/event-stream",), statuses={404: "The run is not found (or another account's)"})
    @validate(query=RunEventsReq)
    def run_events(self, workflow_id: uuid.UUID, run_id: uuid.UUID, query: RunEventsReq):
        """Re-attach to an API run's stream from any server process: its events after the first
        `after` (the ones this client missed), then the rest as they happen."""
        return sse_response(self.run_service.events(current_user.id, workflow_id, run_id, query.after))

"""Console routes of workflows (docs/workflows.md; console-routes.txt `/workflows*`)."""
from __future__ import annotations

from flask import Blueprint

from internal.handler.workflow.openapi_workflow_handler import OpenApiWorkflowHandler
from internal.handler.workflow.workflow_handler import WorkflowHandler


def register_workflow_routes(bp: Blueprint, workflows: WorkflowHandler) -> None:
    w = "/workflows/<uuid:workflow_id>"
    post = {"methods": ["POST"]}
    bp.add_url_rule("/workflows", view_func=workflows.get_workflows_with_page)
    bp.add_url_rule("/workflows", **post, view_func=workflows.create_workflow)
    bp.add_url_rule("/workflows/import", **post, view_func=workflows.import_workflow)
    bp.add_url_rule(w, view_func=workflows.get_workflow)
    bp.add_url_rule(w, **post, view_func=workflows.update_workflow)
    bp.add_url_rule(w + "/delete", **post, view_func=workflows.delete_workflow)
    bp.add_url_rule(w + "/draft-graph", view_func=workflows.get_draft_graph)
    bp.add_url_rule(w + "/draft-graph", **post, view_func=workflows.update_draft_graph)
    bp.add_url_rule(w + "/debug", **post, view_func=workflows.debug_workflow)
    bp.add_url_rule(w + "/runs/<uuid:run_id>/events", view_func=workflows.debug_run_events)  # re-attach
    bp.add_url_rule(w + "/runs/<uuid:run_id>/stop", **post, view_func=workflows.stop_debug_run)
    bp.add_url_rule(w + "/publish", **post, view_func=workflows.publish_workflow)
    bp.add_url_rule(w + "/cancel-publish", **post, view_func=workflows.cancel_publish_workflow)
    bp.add_url_rule(w + "/export", view_func=workflows.export_workflow)


def register_openapi_workflow_routes(bp: Blueprint, workflows: OpenApiWorkflowHandler) -> None:
    """API-key routes (the openapi surface)."""
    w = "/openapi/workflows/<uuid:workflow_id>"
    bp.add_url_rule(w + "/run", methods=["POST"], view_func=workflows.run_workflow)
    bp.add_url_rule(w + "/runs/<uuid:run_id>", view_func=workflows.get_run)
    bp.add_url_rule(w + "/runs/<uuid:run_id>/stop", methods=["POST"], view_func=workflows.stop_run)
    bp.add_url_rule(w + "/runs/<uuid:run_id>/events", view_func=workflows.run_events)  # re-attach

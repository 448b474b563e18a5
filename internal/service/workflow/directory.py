"""The apps layer's WorkflowDirectory (internal/service/app/references.py): an app config may
name the caller's published workflows; anything else is "not found"."""
from __future__ import annotations

import uuid
from dataclasses import dataclass

from injector import inject

from internal.entity.workflow_entity import WorkflowStatus
from internal.exception import NotFoundException
from internal.model.workflow import Workflow
from internal.service.app.references import ReferenceNotFound, WorkflowView
from internal.service.base_service import get_owned
from pkg.sqlalchemy import SQLAlchemy


@inject
@dataclass
class PublishedWorkflows:
    db: SQLAlchemy

    def describe_published(self, account_id: uuid.UUID, workflow_id: uuid.UUID) -> WorkflowView:
        try:
            workflow = get_owned(self.db, Workflow, workflow_id, account_id)
        except NotFoundException:
            raise ReferenceNotFound("workflow not found") from None
        if workflow.status != WorkflowStatus.PUBLISHED.value:
            raise ReferenceNotFound("workflow not found")
        return WorkflowView(id=str(workflow.id), name=workflow.name, icon=workflow.icon,
                            description=workflow.description)

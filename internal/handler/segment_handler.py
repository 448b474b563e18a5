"""Console /datasets/<id>/documents/<id>/segments*."""
from __future__ import annotations

import uuid
from dataclasses import dataclass

from flask_login import current_user, login_required
from injector import inject

from internal.model.dataset import Segment
from internal.schema.auth_schema import unix_seconds
from internal.schema.dataset_schema import GetSegmentsWithPageReq, SegmentReq, UpdateEnabledReq
from internal.service.segment_service import SegmentService
from pkg.paginator import page_data
from pkg.response import success_json, success_message

from .validation import validate


def dump_segment(s: Segment) -> dict:
    return {
        "id": str(s.id),
        "document_id": str(s.document_id),
        "dataset_id": str(s.dataset_id),
        "position": s.position,
        "content": s.content,
        "keywords": list(s.keywords or []),
        "character_count": s.character_count,
        "token_count": s.token_count,
        "hit_count": s.hit_count,
        "hash": s.hash,
        "enabled": s.enabled,
        "disabled_at": unix_seconds(s.disabled_at),
        "status": s.status,
        "error": s.error,
        "updated_at": unix_seconds(s.updated_at),
        "created_at": unix_seconds(s.created_at),
    }


@inject
@dataclass
class SegmentHandler:
    segment_service: SegmentService

    @login_required
    @validate(query=GetSegmentsWithPageReq)
    def get_segments_with_page(self, dataset_id: uuid.UUID, document_id: uuid.UUID, query: GetSegmentsWithPageReq):
        rows, paginator = self.segment_service.get_segments_with_page(current_user.id, dataset_id, document_id, query)
        return success_json(page_data(rows, paginator, dump_segment))

    @login_required
    def get_segment(self, dataset_id: uuid.UUID, document_id: uuid.UUID, segment_id: uuid.UUID):
        return success_json(dump_segment(self.segment_service.get_segment(current_user.id, dataset_id, document_id, segment_id)))

    @login_required
    @validate(body=SegmentReq)
    def create_segment(self, dataset_id: uuid.UUID, document_id: uuid.UUID, req: SegmentReq):
        s = self.segment_service.create_segment(current_user.id, dataset_id, document_id, req.content, req.keywords)
        return success_json({"id": str(s.id)})

    @login_required
    @validate(body=SegmentReq)
    def update_segment(self, dataset_id: uuid.UUID, document_id: uuid.UUID, segment_id: uuid.UUID, req: SegmentReq):
        self.segment_service.update_segment(current_user.id, dataset_id, document_id, segment_id, req.content, req.keywords)
        return success_message("segment updated")

    @login_required
    @validate(body=UpdateEnabledReq)
    def update_segment_enabled(self, dataset_id: uuid.UUID, document_id: uuid.UUID, segment_id: uuid.UUID, req: UpdateEnabledReq):
        self.segment_service.update_segment_enabled(current_user.id, dataset_id, document_id, segment_id, req.enabled)
        return success_message("segment updated")

    @login_required
    def delete_segment(self, dataset_id: uuid.UUID, document_id: uuid.UUID, segment_id: uuid.UUID):
        self.segment_service.delete_segment(current_user.id, dataset_id, document_id, segment_id)
        return success_message("segment deleted")

"""Console /datasets/<id>/documents*."""
from __future__ import annotations

import uuid
from dataclasses import dataclass

from flask_login import current_user, login_required
from injector import inject

from internal.model.dataset import Document
from internal.schema.auth_schema import unix_seconds
from internal.schema.dataset_schema import (
    CreateDocumentsReq,
    GetDocumentsWithPageReq,
    UpdateDocumentNameReq,
    UpdateEnabledReq,
)
from internal.service.document_service import DocumentService
from pkg.paginator import page_data
from pkg.response import success_json, success_message

from .validation import validate


def dump_document(d: Document, stats: dict, detail: bool = False) -> dict:
    out = {
        "id": str(d.id),
        "name": d.name,
        "character_count": d.character_count,
        "hit_count": stats.get("hit_count", 0),
        "position": d.position,
        "enabled": d.enabled,
        "disabled_at": unix_seconds(d.disabled_at),
        "status": d.status,
        "error": d.error,
        "updated_at": unix_seconds(d.updated_at),
        "created_at": unix_seconds(d.created_at),
    }
    if detail:
        out.update(dataset_id=str(d.dataset_id), segment_count=stats.get("segment_count", 0))
    return out


@inject
@dataclass
class DocumentHandler:
    document_service: DocumentService

    @login_required
    @validate(body=CreateDocumentsReq)
    def create_documents(self, dataset_id: uuid.UUID, req: CreateDocumentsReq):
        """Create documents from uploaded file ids + a process rule; indexing runs in the background."""
        docs, batch = self.document_service.create_documents(current_user.id, dataset_id, req.upload_file_ids, req.process_rule)
        return success_json({
            "documents": [{"id": str(d.id), "name": d.name, "status": d.status, "created_at": unix_seconds(d.created_at)} for d in docs],
            "batch": batch,
        })

    @login_required
    def get_documents_status(self, dataset_id: uuid.UUID, batch: str):
        rows = self.document_service.get_documents_status(current_user.id, dataset_id, batch)
        out = []
        for r in rows:
            d, f = r["document"], r["file"]
            out.append({
                "id": str(d.id),
                "name": d.name,
                "size": f.size if f else 0,
                "extension": f.extension if f else "",
                "mime_type": f.mime_type if f else "",
                "position": d.position,
                "segment_count": r["segment_count"],
                "completed_segment_count": r["completed_segment_count"],
                "error": d.error,
                "status": d.status,
                "processing_started_at": unix_seconds(d.processing_started_at),
                "parsing_completed_at": unix_seconds(d.parsing_completed_at),
                "splitting_completed_at": unix_seconds(d.splitting_completed_at),
                "indexing_completed_at": unix_seconds(d.indexing_completed_at),
                "completed_at": unix_seconds(d.completed_at),
                "stopped_at": unix_seconds(d.stopped_at),
                "created_at": unix_seconds(d.created_at),
            })
        return success_json(out)

    @login_required
    @validate(query=GetDocumentsWithPageReq)
    def get_documents_with_page(self, dataset_id: uuid.UUID, query: GetDocumentsWithPageReq):
        rows, paginator = self.document_service.get_documents_with_page(current_user.id, dataset_id, query)
        stats = self.document_service.document_stats([r.id for r in rows])
        return success_json(page_data(rows, paginator, lambda d: dump_document(d, stats[d.id])))

    @login_required
    def get_document(self, dataset_id: uuid.UUID, document_id: uuid.UUID):
        d = self.document_service.get_document(current_user.id, dataset_id, document_id)
        return success_json(dump_document(d, self.document_service.document_stats([d.id])[d.id], detail=True))

    @login_required
    @validate(body=UpdateDocumentNameReq)
    def update_document_name(self, dataset_id: uuid.UUID, document_id: uuid.UUID, req: UpdateDocumentNameReq):
        self.document_service.update_document_name(current_user.id, dataset_id, document_id, req.name)
        return success_message("document renamed")

    @login_required
    @validate(body=UpdateEnabledReq)
    def update_document_enabled(self, dataset_id: uuid.UUID, document_id: uuid.UUID, req: UpdateEnabledReq):
        self.document_service.update_document_enabled(current_user.id, dataset_id, document_id, req.enabled)
        return success_message("document updated")

    @login_required
    def delete_document(self, dataset_id: uuid.UUID, document_id: uuid.UUID):
        self.document_service.delete_document(current_user.id, dataset_id, document_id)
        return success_message("document deleted")

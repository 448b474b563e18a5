"""Console /datasets: CRUD, hit testing, recent queries."""
from __future__ import annotations

import uuid
from dataclasses import dataclass

from flask_login import current_user, login_required
from injector import inject

from internal.model.dataset import Dataset, DatasetQuery
from internal.schema.auth_schema import unix_seconds
from internal.schema.dataset_schema import (
    CreateDatasetReq,
    DatasetResp,
    GetDatasetsWithPageReq,
    HitReq,
    UpdateDatasetReq,
)
from internal.service.dataset_service import DatasetService
from pkg.paginator import page_data
from pkg.response import success_json, success_message

from .validation import validate


def dump_dataset(ds: Dataset, stats: dict) -> dict:
    return DatasetResp(
        id=str(ds.id), name=ds.name, icon=ds.icon, description=ds.description,
        embedding_model=ds.embedding_model, embedding_status=ds.embedding_status,
        updated_at=unix_seconds(ds.updated_at), created_at=unix_seconds(ds.created_at), **stats,
    ).model_dump()


def dump_segment_hit(row, score: float) -> dict:
    """One hit (a row of DatasetService.retrieve: the segment with its document's name and file type)."""
    return {
        "id": str(row.id),
        "document": {
            "id": str(row.document_id) if row.document_name is not None else "",
            "name": row.document_name or "",
            "extension": row.file_extension or "",
            "mime_type": row.file_mime_type or "",
        },
        "dataset_id": str(row.dataset_id),
        "score": round(float(score), 4),
        "position": row.position,
        "content": row.content,
        "keywords": list(row.keywords or []),
        "character_count": row.character_count,
        "token_count": row.token_count,
        "hit_count": row.hit_count,
        "enabled": row.enabled,
        "disabled_at": unix_seconds(row.disabled_at),
        "status": row.status,
        "error": row.error,
        "updated_at": unix_seconds(row.updated_at),
        "created_at": unix_seconds(row.created_at),
    }


@inject
@dataclass
class DatasetHandler:
    dataset_service: DatasetService

    @login_required
    @validate(query=GetDatasetsWithPageReq, response=DatasetResp)
    def get_datasets_with_page(self, query: GetDatasetsWithPageReq):
        rows, paginator = self.dataset_service.get_datasets_with_page(current_user.id, query)
        stats = self.dataset_service.stats([r.id for r in rows])
        return success_json(page_data(rows, paginator, lambda ds: dump_dataset(ds, stats[ds.id])))

    @login_required
    @validate(body=CreateDatasetReq)
    def create_dataset(self, req: CreateDatasetReq):
        ds = self.dataset_service.create_dataset(current_user.id, req.name, req.icon, req.description,
                                                 embedding_model=req.embedding_model)
        return success_json({"id": str(ds.id)})

    @login_required
    def get_embedding_models(self):
        """The values `embedding_model` accepts here (the default first)."""
        return success_json(self.dataset_service.embedding_models())

    @login_required
    @validate(response=DatasetResp)
    def get_dataset(self, dataset_id: uuid.UUID):
        ds = self.dataset_service.get_dataset(current_user.id, dataset_id)
        return success_json(dump_dataset(ds, self.dataset_service.stats([ds.id])[ds.id]))

    @login_required
    @validate(body=UpdateDatasetReq)
    def update_dataset(self, dataset_id: uuid.UUID, req: UpdateDatasetReq):
        self.dataset_service.update_dataset(current_user.id, dataset_id, req.name, req.icon, req.description,
                                            embedding_model=req.embedding_model)
        return success_message("dataset updated")

    @login_required
    def delete_dataset(self, dataset_id: uuid.UUID):
        self.dataset_service.delete_dataset(current_user.id, dataset_id)
        return success_message("dataset deleted")

    @login_required
    @validate(body=HitReq)
    def hit(self, dataset_id: uuid.UUID, req: HitReq):
        """Hit testing: retrieve segments with the chosen strategy, log the query."""
        hits = self.dataset_service.hit(current_user.id, dataset_id, req.query, req.retrieval_strategy, req.k, req.score)
        return success_json([dump_segment_hit(row, score) for row, score in hits])

    @login_required
    def get_dataset_queries(self, dataset_id: uuid.UUID):
        rows = self.dataset_service.get_dataset_queries(current_user.id, dataset_id)
        return success_json([dump_query(q) for q in rows])


def dump_query(q: DatasetQuery) -> dict:
    return {"id": str(q.id), "query": q.query, "source": q.source, "dataset_id": str(q.dataset_id),
            "created_at": unix_seconds(q.created_at)}

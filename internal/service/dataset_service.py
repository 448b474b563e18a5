"""Datasets: CRUD with tenant checks, aggregate counts in one grouped query, hit testing
through the retrieval engine, and the query log (`dataset_query`, written off the request by
`DatasetHitLog` together with the hit counts)."""
from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from celery import Celery
from injector import inject
from sqlalchemy import Row, bindparam, func, select

from config import Config
from internal.core.indexing import KnowledgeBase
from internal.core.retrievers import RetrievalRequest, RetrievalStrategy
from internal.entity.dataset_entity import (
    DEFAULT_DATASET_DESCRIPTION_FORMATTER,
    DatasetEmbeddingStatus,
    RetrievalSource,
)
from internal.exception import ConflictException, FailException, ValidateErrorException
from internal.model.base import utcnow
from internal.model.dataset import Dataset, DatasetQuery, Document, Segment
from internal.model.upload_file import UploadFile
from internal.service.base_service import get_owned
from internal.service.dataset_hit_log import DatasetHitLog, HitRecord
from pkg.paginator import Paginator, SearchPaginatorReq
from pkg.sqlalchemy import SQLAlchemy

logger = logging.getLogger(__name__)


def like(word: str) -> str:
    return "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


_seg, _doc, _file = Segment.__table__.c, Document.__table__.c, UploadFile.__table__.c
# A hit's segment with its document's name and file type: one Core query, no ORM objects
_HIT_COLUMNS = (
    _seg.id, _seg.dataset_id, _seg.document_id, _seg.position, _seg.content, _seg.keywords, _seg.character_count,
    _seg.token_count, (_seg.hit_count + 1).label("hit_count"), _seg.enabled, _seg.disabled_at, _seg.status,
    _seg.error, _seg.updated_at, _seg.created_at, _doc.name.label("document_name"),
    _file.extension.label("file_extension"), _file.mime_type.label("file_mime_type"),
)
_HIT_ROWS = (
    select(*_HIT_COLUMNS)
    .select_from(Segment.__table__.outerjoin(Document.__table__, _doc.id == _seg.document_id)
                 .outerjoin(UploadFile.__table__, _file.id == _doc.upload_file_id))
    .where(_seg.id.in_(bindparam("ids", expanding=True)), _seg.account_id == bindparam("account_id"))
)


@inject
@dataclass
class DatasetService:
    db: SQLAlchemy
    conf: Config
    kb: KnowledgeBase
    celery: Celery
    hit_log: DatasetHitLog

    # -- CRUD -----------------------------------------------------------------------------
    def get_dataset(self, account_id: uuid.UUID, dataset_id) -> Dataset:
        return get_owned(self.db, Dataset, dataset_id, account_id, "dataset not found")

    def _name_taken(self, account_id: uuid.UUID, name: str, exclude: uuid.UUID | None = None) -> bool:
        stmt = select(func.count()).select_from(Dataset).where(Dataset.account_id == account_id, Dataset.name == name)
        if exclude is not None:
            stmt = stmt.where(Dataset.id != exclude)
        return bool(self.db.session.scalar(stmt))

    def embedding_models(self) -> dict:
        return {"default_model": self.kb.default_model, "models": list(self.kb.models)}

    def _check_model(self, model: str) -> str:
        if model not in self.kb.models:
            raise ValidateErrorException(
                f"embedding_model: unknown model {model[:80]!r}; choose one of: {', '.join(self.kb.models)}"
            )
        return model

    def create_dataset(self, account_id: uuid.UUID, name: str, icon: str, description: str,
                       embedding_model: str | None = None) -> Dataset:
        model = self._check_model(embedding_model) if embedding_model is not None else self.kb.default_model
        if self._name_taken(account_id, name):
            raise ConflictException("a dataset with this name already exists")
        ds = Dataset(
            account_id=account_id,
            name=name,
            icon=icon,
            description=description or DEFAULT_DATASET_DESCRIPTION_FORMATTER.format(name=name),
            embedding_model=model,
        )
        with self.db.auto_commit():
            self.db.session.add(ds)
        return ds

    def update_dataset(self, account_id: uuid.UUID, dataset_id, name: str, icon: str, description: str,
                       embedding_model: str | None = None) -> Dataset:
        """A new ``embedding_model`` switches the dataset's vector space: the segments are
        re-embedded by a task after commit (keyword search is unaffected meanwhile)."""
        ds = self.get_dataset(account_id, dataset_id)
        if embedding_model is not None:
            self._check_model(embedding_model)
        if self._name_taken(account_id, name, exclude=ds.id):
            raise ConflictException("a dataset with this name already exists")
        old_model = ds.embedding_model
        switch = embedding_model is not None and embedding_model != old_model
        with self.db.auto_commit():
            ds.name, ds.icon = name, icon
            ds.description = description or DEFAULT_DATASET_DESCRIPTION_FORMATTER.format(name=name)
            if switch:
                ds.embedding_model = embedding_model
                ds.embedding_status = DatasetEmbeddingStatus.REINDEXING.value
                ds.embedding_generation = Dataset.embedding_generation + 1  # in SQL: concurrent switches each bump it
        if switch:
            self.celery.send_task("knowledge.reembed_dataset", args=[str(ds.id), ds.embedding_generation, old_model])
        return ds

    def delete_dataset(self, account_id: uuid.UUID, dataset_id) -> None:
        """Rows go in one transaction; vectors, keywords are removed by a task after commit."""
        ds = self.get_dataset(account_id, dataset_id)
        ds_id, model = ds.id, ds.embedding_model
        file_ids = [
            str(f) for f in self.db.session.scalars(
                select(Document.upload_file_id).where(Document.dataset_id == ds_id, Document.upload_file_id.is_not(None))
            )
        ]
        with self.db.auto_commit():
            self.db.session.delete(ds)  # process rules, documents, segments, queries cascade
        self.celery.send_task("knowledge.delete_dataset_index", args=[str(ds_id), model])
        if file_ids:
            self.celery.send_task("knowledge.delete_upload_files", args=[str(account_id), sorted(set(file_ids))])

    def get_datasets_with_page(self, account_id: uuid.UUID, req: SearchPaginatorReq) -> tuple[Sequence[Dataset], Paginator]:
        stmt = select(Dataset).where(Dataset.account_id == account_id)
        if req.search_word:
            stmt = stmt.where(Dataset.name.ilike(like(req.search_word), escape="\\"))
        stmt = stmt.order_by(Dataset.created_at.desc(), Dataset.id)
        return Paginator.paginate(self.db.session, stmt, req)

    def stats(self, dataset_ids: list[uuid.UUID]) -> dict[uuid.UUID, dict]:
        """document_count, character_count, hit_count for many datasets in two queries."""
        self.flush_hits()
        out = {d: {"document_count": 0, "character_count": 0, "hit_count": 0, "related_app_count": 0} for d in dataset_ids}
        if not dataset_ids:
            return out
        for ds_id, n, chars in self.db.session.execute(
            select(Document.dataset_id, func.count(Document.id), func.coalesce(func.sum(Document.character_count), 0))
            .where(Document.dataset_id.in_(dataset_ids))
            .group_by(Document.dataset_id)
        ):
            out[ds_id].update(document_count=int(n), character_count=int(chars))
        for ds_id, hits in self.db.session.execute(
            select(Segment.dataset_id, func.coalesce(func.sum(Segment.hit_count), 0))
            .where(Segment.dataset_id.in_(dataset_ids))
            .group_by(Segment.dataset_id)
        ):
            out[ds_id]["hit_count"] = int(hits)
        return out

    # -- retrieval ------------------------------------------------------------------------
    def retrieve(
        self,
        account_id: uuid.UUID,
        dataset_ids: list,
        query: str,
        strategy: str,
        k: int,
        score_threshold: float,
        source: str = RetrievalSource.APP.value,
        source_app_id: uuid.UUID | None = None,
    ) -> list[tuple[Row, float]]:
        """The one retrieval entry point (hit testing, the agent dataset tool, the workflow
        node): every dataset id is tenant-checked; the returned segments are read with their
        document in one query (`_HIT_COLUMNS`; `hit_count` includes this hit); the query (per
        dataset) and the hits are logged through `hit_log`, written after the response."""
        datasets = [self.get_dataset(account_id, d) for d in dict.fromkeys(str(x) for x in dataset_ids)]
        if not query.strip():
            raise ValidateErrorException("query must not be blank")
        models = {str(d.id): d.embedding_model for d in datasets}
        try:
            result = self.kb.retrieve(
                RetrievalRequest(query, str(account_id), tuple(models), RetrievalStrategy(strategy), k, score_threshold), models
            )
        except Exception:  # noqa: BLE001 - engine/provider failure: log, answer cleanly
            logger.exception("retrieval failed")
            raise FailException("retrieval failed, please retry later") from None
        ids = [uuid.UUID(h.segment_id) for h in result.segments]
        rows = {}
        if ids:
            rows = {r.id: r for r in self.db.session.execute(_HIT_ROWS, {"ids": ids, "account_id": account_id})}
        hits = [(rows[i], h.score) for i, h in zip(ids, result.segments, strict=False) if i in rows]
        self.hit_log.emit(HitRecord(account_id, tuple(d.id for d in datasets), query, source, source_app_id,
                                    tuple(r.id for r, _ in hits), utcnow()))
        return hits

    def hit(self, account_id: uuid.UUID, dataset_id, query: str, strategy: str, k: int, score: float):
        return self.retrieve(account_id, [dataset_id], query, strategy, k, score, source=RetrievalSource.HIT_TESTING.value)

    def flush_hits(self) -> None:
        """Write this process's pending query-log rows and hit counts now (before reading them)."""
        self.hit_log.flush()

    def get_dataset_queries(self, account_id: uuid.UUID, dataset_id, limit: int = 10) -> Sequence[DatasetQuery]:
        ds = self.get_dataset(account_id, dataset_id)
        self.flush_hits()
        return self.db.session.scalars(
            select(DatasetQuery)
            .where(DatasetQuery.dataset_id == ds.id, DatasetQuery.account_id == account_id)
            .order_by(DatasetQuery.created_at.desc(), DatasetQuery.id)
            .limit(limit)
        ).all()


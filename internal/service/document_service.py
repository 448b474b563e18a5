"""Documents of a dataset: creation from uploaded files + a process rule (indexing runs in
Celery, enqueued after commit), batch progress, listing, rename, enable/disable, delete."""
from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from celery import Celery
from injector import inject
from sqlalchemy import case, func, select

from internal.core.text_splitter import ProcessRule as EngineProcessRule
from internal.entity.dataset_entity import DOCUMENT_EXTENSIONS, DocumentStatus, SegmentStatus
from internal.exception import ValidateErrorException
from internal.model.dataset import Document, ProcessRule, Segment
from internal.model.upload_file import UploadFile
from internal.service.base_service import get_owned
from internal.service.dataset_service import DatasetService, like
from internal.service.upload_file_service import UploadFileService
from pkg.paginator import Paginator, SearchPaginatorReq
from pkg.sqlalchemy import SQLAlchemy


@inject
@dataclass
class DocumentService:
    db: SQLAlchemy
    celery: Celery
    dataset_service: DatasetService
    upload_file_service: UploadFileService

    def get_document(self, account_id: uuid.UUID, dataset_id, document_id) -> Document:
        ds = self.dataset_service.get_dataset(account_id, dataset_id)
        doc = get_owned(self.db, Document, document_id, account_id, "document not found")
        if doc.dataset_id != ds.id:
            raise_not_found()
        return doc

    def create_documents(
        self, account_id: uuid.UUID, dataset_id, upload_file_ids: list[uuid.UUID], rule: EngineProcessRule
    ) -> tuple[list[Document], str]:
        ds = self.dataset_service.get_dataset(account_id, dataset_id)
        files = self.upload_file_service.get_many_owned(upload_file_ids, account_id)
        for f in files:
            if f.extension.lower() not in DOCUMENT_EXTENSIONS:
                raise ValidateErrorException(
                    f"upload_file_ids: {f.name} is not a supported document type ({', '.join(DOCUMENT_EXTENSIONS)})"
                )
        batch = datetime.now(UTC).strftime("%Y%m%d%H%M%S") + uuid.uuid4().hex[:10]
        rd = rule.to_dict()
        with self.db.auto_commit():
            pr = ProcessRule(account_id=account_id, dataset_id=ds.id, mode=rd["mode"], rule=rd["rule"])
            self.db.session.add(pr)
            self.db.session.flush()
            pos = self.db.session.scalar(select(func.coalesce(func.max(Document.position), 0)).where(Document.dataset_id == ds.id)) or 0
            docs = []
            for f in files:
                pos += 1
                d = Document(
                    account_id=account_id,
                    dataset_id=ds.id,
                    upload_file_id=f.id,
                    process_rule_id=pr.id,
                    batch=batch,
                    name=f.name[:255],
                    position=pos,
                    status=DocumentStatus.WAITING.value,
                )
                self.db.session.add(d)
                docs.append(d)
        for d in docs:  # after commit, by id: one fair-claim token per document
            self.celery.send_task("knowledge.index_next_document", args=[str(d.id)])
        return docs, batch

    def get_documents_status(self, account_id: uuid.UUID, dataset_id, batch: str) -> list[dict]:
        ds = self.dataset_service.get_dataset(account_id, dataset_id)
        docs = self.db.session.scalars(
            select(Document)
            .where(Document.dataset_id == ds.id, Document.account_id == account_id, Document.batch == batch)
            .order_by(Document.position)
        ).all()
        if not docs:
            raise_not_found("batch not found")
        ids = [d.id for d in docs]
        counts = {
            doc_id: (int(total), int(done or 0))
            for doc_id, total, done in self.db.session.execute(
                select(
                    Segment.document_id,
                    func.count(Segment.id),
                    func.sum(case((Segment.status == SegmentStatus.COMPLETED.value, 1), else_=0)),
                )
                .where(Segment.document_id.in_(ids))
                .group_by(Segment.document_id)
            )
        }
        files = {
            f.id: f
            for f in self.db.session.scalars(select(UploadFile).where(UploadFile.id.in_([d.upload_file_id for d in docs if d.upload_file_id])))
        }
        out = []
        for d in docs:
            f = files.get(d.upload_file_id)
            total, done = counts.get(d.id, (0, 0))
            out.append({"document": d, "file": f, "segment_count": total, "completed_segment_count": done})
        return out

    def get_documents_with_page(self, account_id: uuid.UUID, dataset_id, req: SearchPaginatorReq) -> tuple[Sequence[Document], Paginator]:
        ds = self.dataset_service.get_dataset(account_id, dataset_id)
        stmt = select(Document).where(Document.dataset_id == ds.id, Document.account_id == account_id)
        if req.search_word:
            stmt = stmt.where(Document.name.ilike(like(req.search_word), escape="\\"))
        stmt = stmt.order_by(Document.created_at.desc(), Document.position.desc())
        return Paginator.paginate(self.db.session, stmt, req)

    def document_stats(self, document_ids: list[uuid.UUID]) -> dict[uuid.UUID, dict]:
        out = {d: {"segment_count": 0, "hit_count": 0} for d in document_ids}
        if document_ids:
            self.dataset_service.flush_hits()
            for doc_id, n, hits in self.db.session.execute(
                select(Segment.document_id, func.count(Segment.id), func.coalesce(func.sum(Segment.hit_count), 0))
                .where(Segment.document_id.in_(document_ids))
                .group_by(Segment.document_id)
            ):
                out[doc_id] = {"segment_count": int(n), "hit_count": int(hits)}
        return out

    def update_document_name(self, account_id: uuid.UUID, dataset_id, document_id, name: str) -> Document:
        doc = self.get_document(account_id, dataset_id, document_id)
        with self.db.auto_commit():
            doc.name = name.strip() or doc.name
        return doc

    def update_document_enabled(self, account_id: uuid.UUID, dataset_id, document_id, enabled: bool) -> Document:
        doc = self.get_document(account_id, dataset_id, document_id)
        if doc.status != DocumentStatus.COMPLETED.value:
            raise ValidateErrorException("only completed documents can be enabled or disabled")
        if doc.enabled == enabled:
            return doc
        with self.db.auto_commit():
            doc.enabled = enabled
            doc.disabled_at = None if enabled else datetime.now(UTC)
        self.celery.send_task("knowledge.sync_document_enabled", args=[str(doc.id)])
        return doc

    def delete_document(self, account_id: uuid.UUID, dataset_id, document_id) -> None:
        doc = self.get_document(account_id, dataset_id, document_id)
        ds = self.dataset_service.get_dataset(account_id, dataset_id)
        ids = (str(ds.id), ds.embedding_model, str(doc.id))
        file_id = str(doc.upload_file_id) if doc.upload_file_id else None
        with self.db.auto_commit():
            self.db.session.delete(doc)  # segments cascade
        self.celery.send_task("knowledge.delete_document_index", args=list(ids))
        if file_id:
            self.celery.send_task("knowledge.delete_upload_files", args=[str(account_id), [file_id]])


def raise_not_found(message: str = "document not found"):
    from internal.exception import NotFoundException

    raise NotFoundException(message)


"""Segments: list/get, manual create, edit (re-embeds), enable/disable, delete.

Single-segment index updates are applied synchronously (one embedding, a few ms) in this
order: index first, then commit; if the commit fails the index change is reverted, so the
database and the stores never disagree for long."""
from __future__ import annotations

import hashlib
import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from injector import inject
from sqlalchemy import func, select

from internal.core.indexing import KnowledgeBase, SegmentToIndex, top_keywords
from internal.core.keyword_index import tokenize
from internal.entity.dataset_entity import DocumentStatus, SegmentStatus
from internal.exception import FailException, NotFoundException, ValidateErrorException
from internal.model.dataset import Segment
from internal.service.base_service import get_owned
from internal.service.dataset_service import DatasetService, like
from internal.service.document_service import DocumentService
from pkg.paginator import Paginator, SearchPaginatorReq
from pkg.sqlalchemy import SQLAlchemy

logger = logging.getLogger(__name__)


@inject
@dataclass
class SegmentService:
    db: SQLAlchemy
    kb: KnowledgeBase
    dataset_service: DatasetService
    document_service: DocumentService

    def _load(self, account_id, dataset_id, document_id, segment_id=None):
        ds = self.dataset_service.get_dataset(account_id, dataset_id)
        doc = self.document_service.get_document(account_id, dataset_id, document_id)
        seg = None
        if segment_id is not None:
            seg = get_owned(self.db, Segment, segment_id, account_id, "segment not found")
            if seg.document_id != doc.id:
                raise NotFoundException("segment not found")
        return ds, doc, seg

    def get_segment(self, account_id, dataset_id, document_id, segment_id) -> Segment:
        self.dataset_service.flush_hits()  # the hit counts of this process's last retrievals
        return self._load(account_id, dataset_id, document_id, segment_id)[2]

    def get_segments_with_page(self, account_id, dataset_id, document_id, req: SearchPaginatorReq) -> tuple[Sequence[Segment], Paginator]:
        _, doc, _ = self._load(account_id, dataset_id, document_id)
        self.dataset_service.flush_hits()
        stmt = select(Segment).where(Segment.document_id == doc.id, Segment.account_id == account_id)
        if req.search_word:
            stmt = stmt.where(Segment.content.ilike(like(req.search_word), escape="\\"))
        stmt = stmt.order_by(Segment.position, Segment.id)
        return Paginator.paginate(self.db.session, stmt, req)

    def _prepare(self, ds, content: str, keywords: list[str] | None):
        emb = self.kb.embeddings(ds.embedding_model)
        tokens = emb.count_tokens([content])[0]
        if tokens > emb.max_input_tokens - 2:
            raise ValidateErrorException(f"content: at most {emb.max_input_tokens - 2} tokens for this dataset's embedding model")
        kws = [k.strip() for k in keywords if k and k.strip()][:20] if keywords else top_keywords(tokenize(content))
        return tokens, list(dict.fromkeys(kws))

    def _index(self, ds, doc, seg: Segment, content: str) -> None:
        try:
            self.kb.pipeline(ds.embedding_model).index(
                str(ds.account_id), str(ds.id), [SegmentToIndex(str(seg.id), str(doc.id), content, seg.enabled)], document_enabled=doc.enabled
            )
        except Exception:  # noqa: BLE001
            logger.exception("indexing segment %s failed", seg.id)
            raise FailException("indexing the segment failed, please retry later") from None

    def create_segment(self, account_id, dataset_id, document_id, content: str, keywords: list[str] | None) -> Segment:
        ds, doc, _ = self._load(account_id, dataset_id, document_id)
        if doc.status != DocumentStatus.COMPLETED.value:
            raise ValidateErrorException("segments can be added only to completed documents")
        tokens, kws = self._prepare(ds, content, keywords)
        pos = (self.db.session.scalar(select(func.max(Segment.position)).where(Segment.document_id == doc.id)) or 0) + 1
        now = datetime.now(UTC)
        seg = Segment(
            id=uuid.uuid4(), account_id=account_id, dataset_id=ds.id, document_id=doc.id, position=pos, content=content,
            character_count=len(content), token_count=tokens, keywords=kws, hash=hashlib.sha256(content.encode()).hexdigest(),
            status=SegmentStatus.COMPLETED.value, enabled=True, indexing_completed_at=now, completed_at=now,
        )
        self._index(ds, doc, seg, content)
        try:
            with self.db.auto_commit():
                self.db.session.add(seg)
                doc.character_count += len(content)
                doc.token_count += tokens
        except Exception:
            self.kb.delete_segments(str(ds.id), ds.embedding_model, [str(seg.id)])
            raise
        return seg

    def update_segment(self, account_id, dataset_id, document_id, segment_id, content: str, keywords: list[str] | None) -> Segment:
        ds, doc, seg = self._load(account_id, dataset_id, document_id, segment_id)
        tokens, kws = self._prepare(ds, content, keywords)
        old = seg.content
        if content != old:
            self._index(ds, doc, seg, content)  # re-embed + re-tokenize under the same id
        try:
            with self.db.auto_commit():
                doc.character_count += len(content) - seg.character_count
                doc.token_count += tokens - seg.token_count
                seg.content, seg.keywords, seg.character_count, seg.token_count = content, kws, len(content), tokens
                seg.hash = hashlib.sha256(content.encode()).hexdigest()
        except Exception:
            if content != old:
                self._index(ds, doc, seg, old)
            raise
        return seg

    def update_segment_enabled(self, account_id, dataset_id, document_id, segment_id, enabled: bool) -> Segment:
        ds, doc, seg = self._load(account_id, dataset_id, document_id, segment_id)
        if seg.enabled == enabled:
            return seg
        if seg.status != SegmentStatus.COMPLETED.value:
            raise ValidateErrorException("only indexed segments can be enabled or disabled")
        self.kb.set_segments_enabled(str(ds.id), ds.embedding_model, [str(seg.id)], enabled)
        try:
            with self.db.auto_commit():
                seg.enabled = enabled
                seg.disabled_at = None if enabled else datetime.now(UTC)
        except Exception:
            self.kb.set_segments_enabled(str(ds.id), ds.embedding_model, [str(seg.id)], not enabled)
            raise
        return seg

    def delete_segment(self, account_id, dataset_id, document_id, segment_id) -> None:
        ds, doc, seg = self._load(account_id, dataset_id, document_id, segment_id)
        if doc.status != DocumentStatus.COMPLETED.value:
            raise ValidateErrorException("segments can be deleted only from completed documents")
        with self.db.auto_commit():
            doc.character_count = max(0, doc.character_count - seg.character_count)
            doc.token_count = max(0, doc.token_count - seg.token_count)
            self.db.session.delete(seg)
        self.kb.delete_segments(str(ds.id), ds.embedding_model, [str(seg.id)])


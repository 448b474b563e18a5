"""Worker side of the knowledge base: fair claiming and idempotent indexing of documents.

Fairness (docs/knowledge-base.md#fairness): every new document enqueues one *token* task
(`knowledge.index_next_document`, carrying its id as a hint). A token does not necessarily
process its own document: it claims the next document fairly — among accounts with eligible
documents, the one with the fewest documents in progress, then the one served least
recently — so a tenant's 1,000 queued documents cannot starve another tenant's single one.
The claim is an atomic conditional UPDATE (works on SQLite and PostgreSQL).

Crash safety: a claimed document carries a lease (`lease_expires_at`) renewed at each stage
and embedding batch, and `attempts` as a fencing token (every write checks it). A worker
killed mid-document leaves the lease to expire; the recovery sweep (and any token) re-claims
it; because segment ids are deterministic and the stores upsert by id, the re-run yields the
same segments and no duplicates.
"""
from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from celery import Celery
from injector import inject
from sqlalchemy import and_, delete, func, or_, select, update

from config import Config
from internal.core.file_extractor import FileExtractionError
from internal.core.indexing import KnowledgeBase, SegmentToIndex
from internal.core.text_splitter import ProcessRule as EngineProcessRule
from internal.entity.dataset_entity import IN_PROGRESS_STATUSES, DocumentStatus, SegmentStatus
from internal.model.dataset import Dataset, Document, ProcessRule, Segment
from internal.model.upload_file import UploadFile
from internal.service.upload_file_service import UploadFileService
from pkg.sqlalchemy import SQLAlchemy

logger = logging.getLogger(__name__)
INDEX_BATCH = 64  # segments per embedding+publish step; the lease is renewed after each


class LeaseLost(Exception):
    """Another worker re-claimed the document (our lease expired); stop without writing."""


def utcnow() -> datetime:
    return datetime.now(UTC)


@inject
@dataclass
class IndexingService:
    db: SQLAlchemy
    conf: Config
    kb: KnowledgeBase
    upload_file_service: UploadFileService
    celery: Celery

    # -- claiming -------------------------------------------------------------------------
    def _eligible(self, now: datetime):
        return or_(
            Document.status == DocumentStatus.WAITING.value,
            and_(Document.status.in_(IN_PROGRESS_STATUSES), or_(Document.lease_expires_at.is_(None), Document.lease_expires_at < now)),
        )

    def pick_next(self, now: datetime | None = None) -> uuid.UUID | None:
        """The fairest eligible document id, or None."""
        now = now or utcnow()
        s = self.db.session
        accounts = s.execute(
            select(Document.account_id, func.min(Document.created_at)).where(self._eligible(now)).group_by(Document.account_id)
        ).all()
        if not accounts:
            return None
        ids = [a for a, _ in accounts]
        running = dict(
            s.execute(
                select(Document.account_id, func.count(Document.id))
                .where(Document.account_id.in_(ids), Document.status.in_(IN_PROGRESS_STATUSES), Document.lease_expires_at >= now)
                .group_by(Document.account_id)
            ).all()
        )
        last = dict(
            s.execute(
                select(Document.account_id, func.max(Document.processing_started_at))
                .where(Document.account_id.in_(ids))
                .group_by(Document.account_id)
            ).all()
        )
        epoch = datetime(1970, 1, 1, tzinfo=UTC)

        def key(row):
            acct, oldest = row
            started = last.get(acct) or epoch
            if started.tzinfo is None:
                started = started.replace(tzinfo=UTC)
            return (running.get(acct, 0), started, str(acct))

        account_id = min(accounts, key=key)[0]
        return s.scalar(
            select(Document.id)
            .where(Document.account_id == account_id, self._eligible(now))
            .order_by(Document.created_at, Document.position, Document.id)
            .limit(1)
        )

    def claim_next(self) -> tuple[uuid.UUID, int] | None:
        got = self.claim_batch(1)
        return got[0] if got else None

    def claim_batch(self, max_docs: int) -> list[tuple[uuid.UUID, int]]:
        """Claim up to ``max_docs`` eligible documents of the fairest account (oldest first).
        Batching amortises per-task costs (queries, index commits, small embedding calls);
        another tenant waits at most one batch."""
        for _ in range(10):
            now = utcnow()
            first = self.pick_next(now)
            if first is None:
                self.db.session.rollback()
                return []
            account_id = self.db.session.scalar(select(Document.account_id).where(Document.id == first))
            ids = [first] + [
                x
                for x in self.db.session.scalars(
                    select(Document.id)
                    .where(Document.account_id == account_id, Document.id != first, self._eligible(now))
                    .order_by(Document.created_at, Document.position, Document.id)
                    .limit(max(0, max_docs - 1))
                )
            ]
            claimed = []
            with self.db.auto_commit():
                for doc_id in ids:
                    res = self.db.session.execute(
                        update(Document)
                        .where(Document.id == doc_id, self._eligible(now))
                        .values(
                            status=DocumentStatus.PARSING.value,
                            error="",
                            attempts=Document.attempts + 1,
                            lease_expires_at=now + timedelta(seconds=self.conf.KB_INDEXING_LEASE_SECONDS),
                            processing_started_at=now,
                            stopped_at=None,
                        )
                        .execution_options(synchronize_session=False)
                    )
                    if res.rowcount == 1:
                        claimed.append(doc_id)
            if claimed:
                attempts = dict(self.db.session.execute(select(Document.id, Document.attempts).where(Document.id.in_(claimed))).all())
                return [(d, int(attempts[d])) for d in claimed]
        return []

    def index_next_document(self, hint_document_id: str | None = None) -> list[uuid.UUID]:
        """Entry point of the token task: claim the fairest documents and index them."""
        batch = self.claim_batch(self.conf.KB_DOCS_PER_TASK)
        if batch:
            self.process_batch(batch)
        return [d for d, _ in batch]

    # -- processing -----------------------------------------------------------------------
    def _fenced(self, doc_id: uuid.UUID, attempt: int, **values) -> None:
        """Update the document only if we still own it (same attempt), and commit."""
        with self.db.auto_commit():
            self._fenced_update(doc_id, attempt, **values)

    def _fenced_update(self, doc_id: uuid.UUID, attempt: int, **values) -> None:
        """The fenced UPDATE inside the caller's transaction (raises LeaseLost -> rollback)."""
        lease = utcnow() + timedelta(seconds=self.conf.KB_INDEXING_LEASE_SECONDS)
        res = self.db.session.execute(
            update(Document)
            .where(Document.id == doc_id, Document.attempts == attempt)
            .values(**{"lease_expires_at": lease, **values})
            .execution_options(synchronize_session=False)
        )
        if res.rowcount != 1:
            raise LeaseLost()

    def process(self, doc_id: uuid.UUID, attempt: int) -> None:
        self.process_batch([(doc_id, attempt)])

    def process_batch(self, batch: list[tuple[uuid.UUID, int]]) -> None:
        """Parse and split each document, then embed + publish the segments of documents of
        one dataset together (one embedding call, one commit per store) when they are small;
        large documents are indexed alone in heartbeat-sized steps. Errors stay per document."""
        ctxs = [c for c in (self._guard(d, a, self._prepare) for d, a in batch) if c]
        groups: dict[tuple[str, str], list[dict]] = {}
        for c in ctxs:
            groups.setdefault((c["dataset_id"], c["model"]), []).append(c)
        for (dataset_id, model), group in groups.items():
            if len(group) > 1 and sum(len(c["segments"]) for c in group) <= INDEX_BATCH * 4:
                try:
                    self.kb.pipeline(model).index(
                        group[0]["account_id"],
                        dataset_id,
                        [seg for c in group for seg in c["segments"]],
                        document_enabled={c["doc_id_str"]: c["doc_enabled"] for c in group}.__getitem__,
                        replace_documents=[c["doc_id_str"] for c in group if c["replace"]],
                    )
                except Exception:  # noqa: BLE001
                    logger.exception("indexing a batch of %d documents failed", len(group))
                    for c in group:
                        self.db.session.rollback()
                        self._fail(c["doc_id"], c["attempt"], "indexing failed: internal error")
                    continue
                for c in group:
                    self._guard(c["doc_id"], c["attempt"], lambda _d, _a, c=c: self._finish(c))
            else:
                for c in group:
                    self._guard(c["doc_id"], c["attempt"], lambda _d, _a, c=c: (self._index_alone(c), self._finish(c)))

    def _guard(self, doc_id: uuid.UUID, attempt: int, fn):
        """Run one document step; turn its failure into the document's status."""
        doc = self.db.session.get(Document, doc_id)
        ds = self.db.session.get(Dataset, doc.dataset_id) if doc is not None else None
        where = (str(doc.dataset_id), ds.embedding_model) if doc is not None and ds is not None else None
        try:
            return fn(doc_id, attempt)
        except LeaseLost:
            self.db.session.rollback()
            logger.warning("document %s: lease lost (re-claimed or deleted meanwhile)", doc_id)
            if where is not None:
                self._drop_orphans(doc_id, *where)
        except FileExtractionError as exc:
            self.db.session.rollback()
            self._fail(doc_id, attempt, str(exc))
        except Exception:  # noqa: BLE001 - record a clean reason, keep the traceback in logs
            self.db.session.rollback()
            logger.exception("document %s: indexing failed", doc_id)
            self._fail(doc_id, attempt, "indexing failed: internal error")
        return None

    def _drop_orphans(self, doc_id: uuid.UUID, dataset_id: str, model: str) -> None:
        """The document (or its dataset) was deleted while we indexed it: remove what we may
        have published after the delete task ran, so no orphan rows stay in the stores."""
        s = self.db.session
        if s.get(Document, doc_id) is not None:
            return  # re-claimed by another worker: it owns the rows now
        if s.get(Dataset, uuid.UUID(dataset_id)) is None:
            self.kb.delete_dataset(dataset_id, model)
        else:
            self.kb.delete_documents(dataset_id, model, [str(doc_id)])

    def _fail(self, doc_id, attempt, reason: str) -> None:
        try:
            self._fenced(doc_id, attempt, status=DocumentStatus.ERROR.value, error=reason[:500], stopped_at=utcnow(), lease_expires_at=None)
        except LeaseLost:
            pass

    def _prepare(self, doc_id: uuid.UUID, attempt: int) -> dict | None:
        s = self.db.session
        doc = s.get(Document, doc_id)
        if doc is None:
            return None
        ds = s.get(Dataset, doc.dataset_id)
        rule_row = s.get(ProcessRule, doc.process_rule_id)
        upload = s.get(UploadFile, doc.upload_file_id) if doc.upload_file_id else None
        if ds is None or rule_row is None or upload is None:
            raise FileExtractionError("the uploaded file no longer exists")
        model = ds.embedding_model
        pipe = self.kb.pipeline(model)
        rule = EngineProcessRule.from_dict({"mode": rule_row.mode, "rule": rule_row.rule})

        # parsing
        text = pipe.parse(self.upload_file_service.read(upload), upload.extension)
        self._fenced(doc_id, attempt, status=DocumentStatus.SPLITTING.value, parsing_completed_at=utcnow(), character_count=len(text))

        # splitting: replace the document's segment rows by the deterministic new set
        prepared = pipe.split(str(doc_id), text, rule)
        if not prepared:
            raise FileExtractionError("the document contains no text")
        new_ids = [uuid.UUID(p.segment_id) for p in prepared]
        with self.db.auto_commit():  # segment rows and the INDEXING status in one transaction
            self._fenced_update(
                doc_id,
                attempt,
                status=DocumentStatus.INDEXING.value,
                splitting_completed_at=utcnow(),
                token_count=sum(p.token_count for p in prepared),
            )
            s.execute(delete(Segment).where(Segment.document_id == doc_id, Segment.id.not_in(new_ids)))
            existing = {x.id: x for x in s.scalars(select(Segment).where(Segment.document_id == doc_id))}
            for p, sid in zip(prepared, new_ids, strict=False):
                row = existing.get(sid)
                if row is None:
                    row = Segment(id=sid, account_id=doc.account_id, dataset_id=doc.dataset_id, document_id=doc_id)
                    s.add(row)
                row.position, row.content, row.hash = p.position, p.content, p.hash
                row.character_count, row.token_count, row.keywords = p.character_count, p.token_count, p.keywords
                row.status, row.error = SegmentStatus.INDEXING.value, ""

        seg_rows = s.scalars(select(Segment).where(Segment.document_id == doc_id).order_by(Segment.position)).all()
        doc_enabled = s.scalar(select(Document.enabled).where(Document.id == doc_id))
        return {
            "doc_id": doc_id,
            "doc_id_str": str(doc_id),
            "attempt": attempt,
            "account_id": str(doc.account_id),
            "dataset_id": str(doc.dataset_id),
            "model": model,
            "doc_enabled": bool(doc_enabled),
            # an earlier attempt (or a completed run) may have published rows, possibly of
            # another split: drop them first; a first attempt has nothing to drop
            "replace": attempt > 1 or doc.completed_at is not None,
            "segments": [SegmentToIndex(str(r.id), str(doc_id), r.content, r.enabled) for r in seg_rows],
        }

    def _index_alone(self, c: dict) -> None:
        """Embed + publish one (large) document in steps, renewing the lease after each."""
        pipe = self.kb.pipeline(c["model"])
        segs = c["segments"]
        for i in range(0, len(segs), INDEX_BATCH):
            pipe.index(
                c["account_id"],
                c["dataset_id"],
                segs[i : i + INDEX_BATCH],
                document_enabled=c["doc_enabled"],
                replace_documents=[c["doc_id_str"]] if i == 0 and c["replace"] else (),
            )
            self._fenced(c["doc_id"], c["attempt"])

    def _finish(self, c: dict) -> None:
        s = self.db.session
        doc_id, attempt = c["doc_id"], c["attempt"]
        now = utcnow()
        with self.db.auto_commit():  # document + its segments completed together, if still ours
            self._fenced_update(
                doc_id, attempt, status=DocumentStatus.COMPLETED.value, indexing_completed_at=now, completed_at=now,
                lease_expires_at=None,
            )
            s.execute(
                update(Segment)
                .where(Segment.document_id == doc_id)
                .values(status=SegmentStatus.COMPLETED.value, indexing_completed_at=now, completed_at=now)
                .execution_options(synchronize_session=False)
            )
        # the document may have been toggled while it was being indexed
        enabled_now = s.scalar(select(Document.enabled).where(Document.id == doc_id))
        if enabled_now is not None and bool(enabled_now) != c["doc_enabled"]:
            self.kb.set_document_enabled(c["dataset_id"], c["model"], c["doc_id_str"], bool(enabled_now))

    # -- maintenance tasks ----------------------------------------------------------------
    def sweep(self) -> int:
        """Re-queue documents whose lease expired (worker died) and waiting documents whose
        token was lost: one token each. Returns how many tokens were sent."""
        now = utcnow()
        stale = self.db.session.scalars(
            select(Document.id).where(
                or_(
                    and_(Document.status.in_(IN_PROGRESS_STATUSES), or_(Document.lease_expires_at.is_(None), Document.lease_expires_at < now)),
                    and_(
                        Document.status == DocumentStatus.WAITING.value,
                        Document.created_at < now - timedelta(seconds=self.conf.KB_INDEXING_LEASE_SECONDS),
                    ),
                )
            )
        ).all()
        self.db.session.rollback()
        for doc_id in stale:
            self.celery.send_task("knowledge.index_next_document", args=[str(doc_id)])
        return len(stale)

    def sync_document_enabled(self, document_id: str) -> None:
        doc = self.db.session.get(Document, uuid.UUID(document_id))
        if doc is None or doc.status != DocumentStatus.COMPLETED.value:
            return  # indexing applies the current flag when it completes
        ds = self.db.session.get(Dataset, doc.dataset_id)
        self.kb.set_document_enabled(str(doc.dataset_id), ds.embedding_model, str(doc.id), bool(doc.enabled))

    def delete_document_index(self, dataset_id: str, model: str, document_id: str) -> None:
        self.kb.delete_documents(dataset_id, model, [document_id])

    def delete_dataset_index(self, dataset_id: str, model: str) -> None:
        self.kb.delete_dataset(dataset_id, model)

    def delete_upload_files(self, account_id: str, upload_file_ids: list[str]) -> None:
        """Remove upload files no longer used by any document (row + stored object)."""
        acct = uuid.UUID(account_id)
        for fid in upload_file_ids:
            f = uuid.UUID(fid)
            used = self.db.session.scalar(select(func.count()).select_from(Document).where(Document.upload_file_id == f))
            if not used and self.db.session.get(UploadFile, f) is not None:
                try:
                    self.upload_file_service.delete(f, acct)
                except Exception:  # noqa: BLE001
                    logger.exception("deleting upload file %s failed", fid)

"""Worker side of the knowledge base: idempotent indexing of the documents a token task
claims (fair claiming itself: document_claims.py).

Crash safety: a claimed document carries a lease (`lease_expires_at`) renewed at each stage
and embedding batch, and `attempts` as a fencing token (every write checks it). A worker
killed mid-document leaves the lease to expire; the recovery sweep (and any token) re-claims
it; because segment ids are deterministic and the stores upsert by id, the re-run yields the
same segments and no duplicates.
"""
from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from datetime import timedelta

from celery import Celery
from injector import inject
from sqlalchemy import and_, delete, func, insert, or_, select, update

from config import Config
from internal.core.file_extractor import FileExtractionError
from internal.core.indexing import KnowledgeBase, SegmentToIndex
from internal.core.text_splitter import ProcessRule as EngineProcessRule
from internal.core.text_splitter import SplitBudgetExceeded
from internal.core.vector_store import SegmentRef
from internal.entity.dataset_entity import IN_PROGRESS_STATUSES, DatasetEmbeddingStatus, DocumentStatus, SegmentStatus
from internal.model.dataset import Dataset, Document, ProcessRule, Segment
from internal.model.upload_file import UploadFile
from internal.service.document_claims import DocumentClaims, utcnow
from internal.service.upload_file_service import UploadFileService
from pkg.sqlalchemy import SQLAlchemy

logger = logging.getLogger(__name__)
INDEX_BATCH = 64  # segments per embedding+publish step; the lease is renewed after each


@dataclass
class IndexingJob:
    """One claimed document and what the worker needs about it (read once per batch)."""

    doc_id: uuid.UUID
    attempt: int
    account_id: uuid.UUID
    dataset_id: uuid.UUID
    enabled: bool
    replace: bool
    model: str | None  # None: the dataset is gone
    rule: dict | None
    upload: UploadFile | None
    segments: list[SegmentToIndex] = field(default_factory=list)


class LeaseLost(Exception):
    """Another worker re-claimed the document (our lease expired); stop without writing."""


@inject
@dataclass
class IndexingService:
    db: SQLAlchemy
    conf: Config
    kb: KnowledgeBase
    upload_file_service: UploadFileService
    celery: Celery
    claims: DocumentClaims

    # -- claiming -------------------------------------------------------------------------
    def index_next_document(self, hint_document_id: str | None = None) -> list[uuid.UUID]:
        """Entry point of the token task: claim the fairest documents and index them."""
        batch = self.claims.claim_batch(self.conf.KB_DOCS_PER_TASK)
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

    def process_batch(self, batch: list[tuple[uuid.UUID, int]]) -> None:
        """Parse and split each document, then embed + publish the segments of documents of
        one dataset together (one embedding call, one commit per store) when they are small;
        large documents are indexed alone in heartbeat-sized steps. Errors stay per document."""
        jobs = [j for j in self._load_jobs(batch) if self._guard(j, self._prepare)]
        groups: dict[tuple[uuid.UUID, str], list[IndexingJob]] = {}
        for j in jobs:
            groups.setdefault((j.dataset_id, j.model), []).append(j)
        for group in groups.values():
            if len(group) > 1 and sum(len(j.segments) for j in group) <= INDEX_BATCH * 4:
                first = group[0]
                try:
                    self.kb.pipeline(first.model).index(
                        str(first.account_id),
                        str(first.dataset_id),
                        [seg for j in group for seg in j.segments],
                        document_enabled={str(j.doc_id): j.enabled for j in group}.__getitem__,
                        replace_documents=[str(j.doc_id) for j in group if j.replace],
                    )
                except Exception:  # noqa: BLE001
                    logger.exception("indexing a batch of %d documents failed", len(group))
                    self.db.session.rollback()
                    for j in group:
                        self._fail(j.doc_id, j.attempt, "indexing failed: internal error")
                    continue
                self._finish(group)
            else:
                for j in group:
                    if self._guard(j, self._index_alone):
                        self._finish([j])

    def _load_jobs(self, batch: list[tuple[uuid.UUID, int]]) -> list[IndexingJob]:
        """What the worker needs about each claimed document, in one query (documents deleted
        meanwhile are skipped: their delete task cleans up)."""
        attempts = dict(batch)
        rows = self.db.session.execute(
            select(
                Document.id, Document.account_id, Document.dataset_id, Document.enabled, Document.completed_at,
                Dataset.embedding_model, ProcessRule.mode, ProcessRule.rule, UploadFile,
            )
            .outerjoin(Dataset, Dataset.id == Document.dataset_id)
            .outerjoin(ProcessRule, ProcessRule.id == Document.process_rule_id)
            .outerjoin(UploadFile, UploadFile.id == Document.upload_file_id)
            .where(Document.id.in_(list(attempts)))
        ).all()
        by_id = {
            r[0]: IndexingJob(
                doc_id=r[0], attempt=attempts[r[0]], account_id=r[1], dataset_id=r[2], enabled=bool(r[3]), model=r[5],
                rule={"mode": r[6], "rule": r[7]} if r[6] is not None else None, upload=r[8],
                # an earlier attempt (or a completed run) may have published rows, possibly of
                # another split: drop them first; a first attempt has nothing to drop
                replace=attempts[r[0]] > 1 or r[4] is not None,
            )
            for r in rows
        }
        return [by_id[d] for d, _ in batch if d in by_id]

    def _guard(self, job: IndexingJob, fn) -> bool:
        """Run one document step; turn its failure into the document's status."""
        try:
            fn(job)
            return True
        except LeaseLost:
            self.db.session.rollback()
            logger.warning("document %s: lease lost (re-claimed or deleted meanwhile)", job.doc_id)
            self._drop_orphans(job)
        except (FileExtractionError, SplitBudgetExceeded) as exc:  # user-safe messages
            self.db.session.rollback()
            self._fail(job.doc_id, job.attempt, str(exc))
        except Exception:  # noqa: BLE001 - record a clean reason, keep the traceback in logs
            self.db.session.rollback()
            logger.exception("document %s: indexing failed", job.doc_id)
            self._fail(job.doc_id, job.attempt, "indexing failed: internal error")
        return False

    def _drop_orphans(self, job: IndexingJob) -> None:
        """The document (or its dataset) was deleted while we indexed it: remove what we may
        have published after the delete task ran, so no orphan rows stay in the stores."""
        s = self.db.session
        if job.model is None or s.scalar(select(Document.id).where(Document.id == job.doc_id)) is not None:
            return  # re-claimed by another worker: it owns the rows now
        if s.scalar(select(Dataset.id).where(Dataset.id == job.dataset_id)) is None:
            self.kb.delete_dataset(str(job.dataset_id), job.model)
        else:
            self.kb.delete_documents(str(job.dataset_id), job.model, [str(job.doc_id)])
        s.rollback()

    def _fail(self, doc_id, attempt, reason: str) -> None:
        try:
            self._fenced(doc_id, attempt, status=DocumentStatus.ERROR.value, error=reason[:500], stopped_at=utcnow(), lease_expires_at=None)
        except LeaseLost:
            pass

    def _prepare(self, job: IndexingJob) -> None:
        if job.model is None or job.rule is None or job.upload is None:
            raise FileExtractionError("the uploaded file no longer exists")
        s = self.db.session
        pipe = self.kb.pipeline(job.model)

        # parsing
        text = pipe.parse(self.upload_file_service.read(job.upload), job.upload.extension)
        self._fenced(job.doc_id, job.attempt, status=DocumentStatus.SPLITTING.value, parsing_completed_at=utcnow(), character_count=len(text))

        # splitting: replace the document's segment rows by the deterministic new set
        prepared = pipe.split(str(job.doc_id), text, EngineProcessRule.from_dict(job.rule),
                              time_budget=self.conf.KB_SPLIT_TIME_BUDGET_SECONDS)
        if not prepared:
            raise FileExtractionError("the document contains no text")
        new_ids = [uuid.UUID(p.segment_id) for p in prepared]
        enabled: dict[uuid.UUID, bool] = {}
        with self.db.auto_commit():  # segment rows and the INDEXING status in one transaction
            self._fenced_update(
                job.doc_id,
                job.attempt,
                status=DocumentStatus.INDEXING.value,
                splitting_completed_at=utcnow(),
                token_count=sum(p.token_count for p in prepared),
            )
            if job.replace:  # keep rows of the same split (their enabled flag and hit count)
                s.execute(delete(Segment).where(Segment.document_id == job.doc_id, Segment.id.not_in(new_ids)))
                enabled = dict(s.execute(select(Segment.id, Segment.enabled).where(Segment.document_id == job.doc_id)).all())
            rows = [
                {
                    "id": sid, "account_id": job.account_id, "dataset_id": job.dataset_id, "document_id": job.doc_id,
                    "position": p.position, "content": p.content, "hash": p.hash, "character_count": p.character_count,
                    "token_count": p.token_count, "keywords": p.keywords, "status": SegmentStatus.INDEXING.value, "error": "",
                }
                for p, sid in zip(prepared, new_ids, strict=True)
            ]
            if enabled:
                s.execute(update(Segment), [r for r in rows if r["id"] in enabled])  # bulk UPDATE by primary key
            if len(enabled) < len(rows):
                s.execute(insert(Segment), [r for r in rows if r["id"] not in enabled])  # one multi-row INSERT
        job.segments = [
            SegmentToIndex(p.segment_id, str(job.doc_id), p.content, bool(enabled.get(sid, True)), tokens=p.tokens)
            for p, sid in zip(prepared, new_ids, strict=True)
        ]

    def _index_alone(self, job: IndexingJob) -> None:
        """Embed + publish one (large) document in steps, renewing the lease after each."""
        pipe = self.kb.pipeline(job.model)
        segs = job.segments
        for i in range(0, len(segs), INDEX_BATCH):
            pipe.index(
                str(job.account_id),
                str(job.dataset_id),
                segs[i : i + INDEX_BATCH],
                document_enabled=job.enabled,
                replace_documents=[str(job.doc_id)] if i == 0 and job.replace else (),
            )
            self._fenced(job.doc_id, job.attempt)

    def _finish(self, jobs: list[IndexingJob]) -> None:
        """Mark indexed documents (and their segments) completed in one transaction — only
        those still ours (same attempt); the others were re-claimed or deleted meanwhile."""
        s = self.db.session
        now = utcnow()
        try:
            with self.db.auto_commit():
                done = dict(
                    s.execute(
                        update(Document)
                        .where(or_(*(and_(Document.id == j.doc_id, Document.attempts == j.attempt) for j in jobs)))
                        .values(
                            status=DocumentStatus.COMPLETED.value, indexing_completed_at=now, completed_at=now, lease_expires_at=None,
                        )
                        .returning(Document.id, Document.enabled)
                        .execution_options(synchronize_session=False)
                    ).all()
                )
                if done:
                    s.execute(
                        update(Segment)
                        .where(Segment.document_id.in_(list(done)))
                        .values(status=SegmentStatus.COMPLETED.value, indexing_completed_at=now, completed_at=now)
                        .execution_options(synchronize_session=False)
                    )
        except Exception:  # noqa: BLE001
            logger.exception("completing %d documents failed", len(jobs))
            for j in jobs:
                self._fail(j.doc_id, j.attempt, "indexing failed: internal error")
            return
        self._catch_up_model_switches([j for j in jobs if j.doc_id in done])
        for j in jobs:
            if j.doc_id not in done:
                logger.warning("document %s: lease lost (re-claimed or deleted meanwhile)", j.doc_id)
                self._drop_orphans(j)
            elif bool(done[j.doc_id]) != j.enabled:  # toggled while it was being indexed
                self.kb.set_document_enabled(str(j.dataset_id), j.model, str(j.doc_id), bool(done[j.doc_id]))

    def _catch_up_model_switches(self, jobs: list[IndexingJob]) -> None:
        """Documents indexed with a model their dataset no longer uses (switched while they
        were in progress): re-send the dataset's re-embedding, which now sees them completed."""
        used = {j.dataset_id: j.model for j in jobs}
        if not used:
            return
        rows = self.db.session.execute(
            select(Dataset.id, Dataset.embedding_model, Dataset.embedding_generation).where(Dataset.id.in_(list(used)))
        ).all()
        self.db.session.rollback()
        for ds_id, model, generation in rows:
            if model != used[ds_id]:
                self.celery.send_task("knowledge.reembed_dataset", args=[str(ds_id), generation, used[ds_id]])

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

    def reembed_dataset(self, dataset_id: str, generation: int, old_model: str | None = None) -> int:
        """The dataset's embedding model changed: publish every segment of its completed
        documents in the new model's vector space (batches of INDEX_BATCH, keyset order), then
        drop the old space's vectors and mark the dataset ready. Returns the segments embedded.

        Fenced by ``generation``: a task of an older switch stops at its next batch and writes
        nothing more. Idempotent (upsert by id; the content-hash cache makes a re-run cheap),
        so a redelivered or re-sent task is harmless. Documents indexed meanwhile with the old
        model re-send this task when they complete (``_finish``)."""
        ds_id = uuid.UUID(dataset_id)
        s = self.db.session
        done, after, written = 0, None, None
        while True:
            ds = s.execute(select(Dataset.account_id, Dataset.embedding_model, Dataset.embedding_generation)
                           .where(Dataset.id == ds_id)).first()
            if ds is None:  # deleted meanwhile: its delete task may have run before our writes
                s.rollback()
                for model in {m for m in (old_model, written) if m}:
                    self.kb.delete_dataset_vectors(dataset_id, model)
                return done
            if ds.embedding_generation != generation:
                s.rollback()
                return done  # switched again: the newer task owns the dataset
            stmt = (
                select(Segment.id, Segment.document_id, Segment.content, Segment.enabled, Document.enabled)
                .join(Document, Document.id == Segment.document_id)
                .where(Segment.dataset_id == ds_id, Document.status == DocumentStatus.COMPLETED.value)
                .order_by(Segment.id)
                .limit(INDEX_BATCH)
            )
            if after is not None:
                stmt = stmt.where(Segment.id > after)
            rows = s.execute(stmt).all()
            s.rollback()  # no transaction held open while embedding
            if not rows:
                break
            refs = [SegmentRef(str(r[0]), str(r[1]), dataset_id, str(ds.account_id), bool(r[3]), bool(r[4])) for r in rows]
            self.kb.reembed(ds.embedding_model, refs, [r[2] for r in rows])
            written = ds.embedding_model
            done += len(rows)
            after = rows[-1][0]
        if old_model and old_model != ds.embedding_model:
            self.kb.delete_dataset_vectors(dataset_id, old_model)
        with self.db.auto_commit():
            res = s.execute(
                update(Dataset)
                .where(Dataset.id == ds_id, Dataset.embedding_generation == generation)
                .values(embedding_status=DatasetEmbeddingStatus.READY.value)
                .execution_options(synchronize_session=False)
            )
        if res.rowcount != 1 and old_model:
            # switched again while we dropped the old space: if it was switched back to that
            # space, the newer task's vectors may be among those dropped; re-embed it again
            cur = s.execute(select(Dataset.embedding_model, Dataset.embedding_generation).where(Dataset.id == ds_id)).first()
            s.rollback()
            if cur is not None and cur.embedding_model == old_model:
                self.celery.send_task("knowledge.reembed_dataset", args=[dataset_id, cur.embedding_generation, None])
        return done

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

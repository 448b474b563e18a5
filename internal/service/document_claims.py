"""Fair claiming of documents to index (docs/knowledge-base.md#fairness).

Every new document enqueues one *token* task (`knowledge.index_next_document`, carrying its
id as a hint). A token does not necessarily process its own document: it claims the next
documents fairly — among accounts with eligible documents, the one with the fewest documents
in progress, then the one served least recently — so a tenant's 1,000 queued documents cannot
starve another tenant's single one. The claim is a conditional UPDATE (SQLite and PostgreSQL)
that bumps `attempts`, the fencing token every later write of the worker checks.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from injector import inject
from sqlalchemy import and_, func, or_, select, update

from config import Config
from internal.entity.dataset_entity import IN_PROGRESS_STATUSES, DocumentStatus
from internal.model.dataset import Document
from pkg.sqlalchemy import SQLAlchemy


def utcnow() -> datetime:
    return datetime.now(UTC)


@inject
@dataclass
class DocumentClaims:
    db: SQLAlchemy
    conf: Config

    def _eligible(self, now: datetime):
        return or_(
            Document.status == DocumentStatus.WAITING.value,
            and_(Document.status.in_(IN_PROGRESS_STATUSES), or_(Document.lease_expires_at.is_(None), Document.lease_expires_at < now)),
        )

    def _fairest_account(self, now: datetime) -> uuid.UUID | None:
        """Among accounts with eligible documents: the fewest documents in progress, then the
        one served least recently."""
        s = self.db.session
        accounts = s.scalars(select(Document.account_id).where(self._eligible(now)).group_by(Document.account_id)).all()
        if not accounts:
            return None
        running = dict(
            s.execute(
                select(Document.account_id, func.count(Document.id))
                .where(Document.account_id.in_(accounts), Document.status.in_(IN_PROGRESS_STATUSES), Document.lease_expires_at >= now)
                .group_by(Document.account_id)
            ).all()
        )
        last = dict(
            s.execute(
                select(Document.account_id, func.max(Document.processing_started_at))
                .where(Document.account_id.in_(accounts))
                .group_by(Document.account_id)
            ).all()
        )
        epoch = datetime(1970, 1, 1, tzinfo=UTC)

        def key(acct):
            started = last.get(acct) or epoch
            if started.tzinfo is None:
                started = started.replace(tzinfo=UTC)
            return (running.get(acct, 0), started, str(acct))

        return min(accounts, key=key)

    def claim_next(self) -> tuple[uuid.UUID, int] | None:
        got = self.claim_batch(1)
        return got[0] if got else None

    def claim_batch(self, max_docs: int) -> list[tuple[uuid.UUID, int]]:
        """Claim up to ``max_docs`` eligible documents of the fairest account (oldest first).
        Batching amortises per-task costs (queries, index commits, small embedding calls);
        another tenant waits at most one batch."""
        for _ in range(10):
            now = utcnow()
            account_id = self._fairest_account(now)
            if account_id is None:
                self.db.session.rollback()
                return []
            with self.db.auto_commit():
                # rows another worker is claiming right now are skipped, not waited for (no lock
                # queue, no deadlock between overlapping claims; SQLite has one writer anyway)
                ids = self.db.session.scalars(
                    select(Document.id)
                    .where(Document.account_id == account_id, self._eligible(now))
                    .order_by(Document.created_at, Document.position, Document.id)
                    .limit(max(1, max_docs))
                    .with_for_update(skip_locked=True)
                ).all()
                if not ids:
                    return []  # all of them are being claimed by other workers right now
                # the conditional UPDATE is the claim: it re-checks eligibility under the row lock
                rows = self.db.session.execute(
                    update(Document)
                    .where(Document.id.in_(ids), self._eligible(now))
                    .values(
                        status=DocumentStatus.PARSING.value,
                        error="",
                        attempts=Document.attempts + 1,
                        lease_expires_at=now + timedelta(seconds=self.conf.KB_INDEXING_LEASE_SECONDS),
                        processing_started_at=now,
                        stopped_at=None,
                    )
                    .returning(Document.id, Document.attempts)
                    .execution_options(synchronize_session=False)
                ).all()
            if rows:
                attempts = {d: int(a) for d, a in rows}
                return [(d, attempts[d]) for d in ids if d in attempts]
        return []


"""Crash recovery and fairness of document indexing (PostgreSQL + Redis + real Celery workers)."""
from __future__ import annotations

import io
import re
import time
import uuid

import pytest
from sqlalchemy import select

from app.http.app import create_app
from internal.core.indexing import KnowledgeBase
from internal.core.text_splitter import ProcessRule as EngineRule
from internal.core.vector_store import SegmentFilter
from internal.model.dataset import Dataset, Document, ProcessRule, Segment
from internal.model.upload_file import UploadFile
from internal.service.document_claims import DocumentClaims
from internal.service.indexing_service import IndexingService
from pkg.sqlalchemy import SQLAlchemy
from test.conftest import ConsoleClient, _migrate, make_account
from test.support.environment import (
    config_env,
    create_pg_database,
    drop_pg_database,
    make_test_config,
    pg_url,
    redis_url,
)
from test.support.processes import start_celery_worker, wait_until

RULE = {
    "pre_process_rules": [{"id": "remove_extra_space", "enabled": True}, {"id": "remove_url_and_email", "enabled": False}],
    "segment": {"separators": ["\n\n", "\n", ". "], "chunk_size": 100, "chunk_overlap": 0},
}


def big_text(n: int = 480) -> bytes:
    """~240 segments with RULE: embedding them takes seconds even on a fast machine, so the
    test reliably observes (and kills the worker in) the indexing stage."""
    topics = ["glacier", "volcano", "enzyme", "satellite", "harbour", "orchard", "protein", "lattice"]
    paras = []
    for i in range(n):
        t = topics[i % len(topics)]
        paras.append(
            f"Paragraph {i} explains the {t} number {i}. The {t} {i} has properties that differ from item {i + 1}. "
            f"Observers recorded {i * 7} measurements of the {t} during season {i % 5}. "
            f"These notes about {t} {i} are unique to section {i} of the report."
        )
    return "\n\n".join(paras).encode()


@pytest.fixture
def crash_env(tmp_path):
    database = create_pg_database("kbcrash")
    # redis_url(2) is shared with live_server's gunicorn (which never consumes tasks) and with other
    # crash tests of this pytest worker (one at a time); not flushed, so the live server keeps its
    # state. Stray tokens are harmless: a token only claims documents of this test's own database.
    broker = redis_url(2)
    conf = make_test_config(tmp_path / "instance", SQLALCHEMY_DATABASE_URI=pg_url(database), REDIS_URL=broker,
                            CELERY_BROKER_URL=broker, KB_INDEXING_LEASE_SECONDS=10,
                            EMBEDDING_CACHE="memory")  # a Redis cache warm from an earlier run would skip the model
    app = create_app(conf)
    _migrate(app)
    workers = []
    yield app, conf, workers, tmp_path
    for w in workers:
        w.stop()
    with app.app_context():
        app.extensions["injector"].get(SQLAlchemy).engine.dispose()
    drop_pg_database(database)


def test_worker_killed_mid_indexing_completes_exactly_once(crash_env):
    app, conf, workers, tmp = crash_env
    console = ConsoleClient(app, make_account(app))
    ds = console.post("/datasets", json={"name": "crash", "icon": "", "description": ""})["data"]["id"]
    data = big_text()
    fid = console.post("/upload-files/file", data={"file": (io.BytesIO(data), "big.txt")}, content_type="multipart/form-data")["data"]["id"]

    w1 = start_celery_worker(config_env(conf), tmp / "w1.log", name=f"crash1-{uuid.uuid4().hex[:6]}")
    workers.append(w1)
    created = console.post(f"/datasets/{ds}/documents", json={"upload_file_ids": [fid], "process_type": "custom", "rule": RULE})
    assert created["code"] == "success", created
    doc_id = created["data"]["documents"][0]["id"]
    batch = created["data"]["batch"]

    def status():
        return console.get(f"/datasets/{ds}/documents/batch/{batch}")["data"][0]

    wait_until(lambda: status()["status"] == "indexing", timeout=120, what="document reaching indexing", process=w1)
    w1.kill()  # SIGKILL: no cleanup, the task message is never acked
    time.sleep(0.5)
    assert status()["status"] == "indexing"

    w2 = start_celery_worker(config_env(conf), tmp / "w2.log", name=f"crash2-{uuid.uuid4().hex[:6]}")
    workers.append(w2)

    db = app.extensions["injector"].get(SQLAlchemy)

    def attempts() -> int:
        with app.app_context():
            n = db.session.scalar(select(Document.attempts).where(Document.id == uuid.UUID(doc_id)))
            db.session.remove()
            return int(n)

    def recovered():
        # the periodic sweep (Celery beat in production) re-queues it once the lease expired;
        # sweep only until it is re-claimed, as beat would not fire more often than the lease
        if attempts() < 2:
            with app.app_context():
                app.extensions["injector"].get(IndexingService).sweep()
        return status()["status"] == "completed"

    wait_until(recovered, timeout=180, what="document completed after the crash", process=w2)

    kb = app.extensions["injector"].get(KnowledgeBase)
    with app.app_context():
        doc = db.session.get(Document, uuid.UUID(doc_id))
        seg_ids = sorted(str(s) for s in db.session.scalars(select(Segment.id).where(Segment.document_id == doc.id)))
        model = db.session.get(Dataset, doc.dataset_id).embedding_model
        assert doc.attempts == 2 and doc.status == "completed" and doc.error == ""
    expected = kb.pipeline(model).split(doc_id, data.decode(), EngineRule.parse("custom", RULE))
    assert len(expected) > 64  # more than one embedding batch: the crash really was mid-document
    assert seg_ids == sorted(p.segment_id for p in expected)  # same segments as a clean run
    flt = SegmentFilter(str(console.account.account_id), (ds,), document_ids=(doc_id,))
    assert kb.vector_store(model).count(flt) == len(expected)  # no duplicates in the stores
    assert kb.keyword_index.count(flt) == len(expected)
    assert sorted(kb.vector_store(model).segment_ids(flt)) == seg_ids
    hits = console.post(f"/datasets/{ds}/hit", json={"query": "season notes about the orchard 13", "retrieval_strategy": "hybrid", "k": 3, "score": 0})["data"]
    assert hits and "orchard" in hits[0]["content"]
    st = status()
    assert st["segment_count"] == st["completed_segment_count"] == len(expected)


def test_claiming_is_fair_across_tenants(db_app):
    """Tenant A queues 300 documents, then tenant B one: B's document is claimed next
    (on SQLite and PostgreSQL)."""
    app = db_app
    db: SQLAlchemy = app.extensions["injector"].get(SQLAlchemy)
    svc: DocumentClaims = app.extensions["injector"].get(DocumentClaims)
    a, b = make_account(app), make_account(app)
    with app.app_context():
        docs = {}
        for acct, n in ((a, 300), (b, 1)):
            ds = Dataset(account_id=acct.account_id, name="fair", embedding_model="local:all-MiniLM-L6-v2")
            db.session.add(ds)
            db.session.flush()
            pr = ProcessRule(account_id=acct.account_id, dataset_id=ds.id, mode="automatic", rule={})
            db.session.add(pr)
            db.session.flush()
            docs[acct.account_id] = [
                Document(account_id=acct.account_id, dataset_id=ds.id, process_rule_id=pr.id, batch="b", name=f"d{i}", position=i + 1)
                for i in range(n)
            ]
            db.session.add_all(docs[acct.account_id])
            db.session.commit()
        first, _ = svc.claim_next()
        second, _ = svc.claim_next()
        owners = [db.session.get(Document, x).account_id for x in (first, second)]
        assert b.account_id in owners, "tenant B starved behind tenant A's queue"
        # A's remaining documents are then served in creation order, one at a time
        third, _ = svc.claim_next()
        assert db.session.get(Document, third).account_id == a.account_id
        # a new document of B, queued behind 297 of A's, is again next
        ds_b = docs[b.account_id][0].dataset_id
        late = Document(account_id=b.account_id, dataset_id=ds_b, process_rule_id=docs[b.account_id][0].process_rule_id, batch="c", name="late", position=2)
        db.session.add(late)
        db.session.commit()
        assert svc.claim_next()[0] == late.id


def test_document_deleted_mid_indexing_leaves_no_rows_in_the_stores(crash_env):
    """The user deletes a document while a worker is indexing it, and the delete tasks run at
    once on a second worker process: the indexing worker's fenced writes fail, it removes what
    it published after the delete task ran, and nothing of the document stays behind."""
    app, conf, workers, tmp = crash_env
    console = ConsoleClient(app, make_account(app))
    ds = console.post("/datasets", json={"name": "gone", "icon": "", "description": ""})["data"]["id"]
    fid = console.post("/upload-files/file", data={"file": (io.BytesIO(big_text()), "big.txt")}, content_type="multipart/form-data")["data"]["id"]
    worker = start_celery_worker(config_env(conf), tmp / "w.log", name=f"gone-{uuid.uuid4().hex[:6]}", concurrency=2)
    workers.append(worker)
    created = console.post(f"/datasets/{ds}/documents", json={"upload_file_ids": [fid], "process_type": "custom", "rule": RULE})
    doc_id, batch = created["data"]["documents"][0]["id"], created["data"]["batch"]

    def embedding() -> bool:  # split and its segments written: the worker is inside the long embedding step
        d = console.get(f"/datasets/{ds}/documents/batch/{batch}")["data"][0]
        return d["status"] == "indexing" and d["segment_count"] > 0

    # (status "indexing" alone is set by the claim: a delete right then lands before the worker
    # loads the job, which it then skips silently, and no lease is ever lost)
    wait_until(embedding, timeout=120, what="document being embedded", process=worker)
    assert console.post(f"/datasets/{ds}/documents/{doc_id}/delete")["code"] == "success"

    def done(task: str) -> bool:
        return re.search(rf"Task {re.escape(task)}\[[^\]]+\] succeeded", worker.log_tail(500_000)) is not None

    tasks = ("knowledge.index_next_document", "knowledge.delete_document_index", "knowledge.delete_upload_files")
    wait_until(lambda: all(done(t) for t in tasks), timeout=120, what="indexing and delete tasks done", process=worker)
    assert "lease lost" in worker.log_tail(500_000)  # the delete really landed mid-indexing
    db = app.extensions["injector"].get(SQLAlchemy)
    kb = app.extensions["injector"].get(KnowledgeBase)
    with app.app_context():
        assert db.session.scalar(select(Segment.id).where(Segment.document_id == uuid.UUID(doc_id))) is None
        model = db.session.get(Dataset, uuid.UUID(ds)).embedding_model
    flt = SegmentFilter(str(console.account.account_id), (ds,), document_ids=(doc_id,))
    assert kb.vector_store(model).count(flt) == 0
    assert kb.keyword_index.count(flt) == 0
    assert console.get(f"/datasets/{ds}/documents/{doc_id}")["code"] == "not_found"
    with app.app_context():  # the upload file went with its only document
        assert db.session.get(UploadFile, uuid.UUID(fid)) is None

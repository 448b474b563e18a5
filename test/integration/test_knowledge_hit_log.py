"""Issue 13 §1: retrievals log their query and count their hits off the request path
(DatasetHitLog), and nothing is lost: the background thread writes them within its interval,
a read of the counts or the log in the same process sees them at once, a batch with one refused
record keeps the others, and what is pending is written when the process shuts down."""
from __future__ import annotations

import uuid

from sqlalchemy import event, func, select

from internal.model.base import utcnow
from internal.model.dataset import Dataset, DatasetQuery, Document, ProcessRule, Segment
from internal.service.dataset_hit_log import DatasetHitLog, DatasetHitWriter, HitRecord
from pkg.buffered_writer import close_all
from pkg.sqlalchemy import SQLAlchemy
from test.conftest import make_account
from test.support.processes import wait_until

from .test_knowledge_base import create_dataset, upload, wait_batch

TEXT = "\n\n".join(f"Paragraph {i}: " + " ".join(["the lighthouse keeper logs the wind speed"] * 11) for i in range(3))


def _stored(app, ds: str) -> tuple[int, int]:
    """(sum of the dataset's hit counts, its query-log rows) straight from the database, without
    the flush that the service's read paths do first."""
    db = app.extensions["injector"].get(SQLAlchemy)
    with app.app_context():
        hits = db.session.scalar(select(func.coalesce(func.sum(Segment.hit_count), 0))
                                 .where(Segment.dataset_id == uuid.UUID(ds)))
        queries = db.session.scalar(select(func.count()).select_from(DatasetQuery)
                                    .where(DatasetQuery.dataset_id == uuid.UUID(ds)))
        db.session.remove()
    return int(hits), int(queries)


def test_hits_are_counted_and_logged_after_the_response(console, app, celery_worker):
    ds = create_dataset(console)
    body = console.post(f"/datasets/{ds}/documents", json={"upload_file_ids": [upload(console, "keeper.txt", TEXT.encode())],
                                                          "process_type": "custom", "rule": {"pre_process_rules": [], "segment": {
                                                              "separators": ["\n\n"], "chunk_size": 100, "chunk_overlap": 0}}})
    assert wait_batch(console, ds, body["data"]["batch"])[0]["status"] == "completed"
    with app.app_context():
        engine = app.extensions["injector"].get(SQLAlchemy).engine
    writes: list[str] = []

    def record(conn, cursor, statement, *args):
        if not statement.lstrip().upper().startswith("SELECT"):
            writes.append(statement)

    def committed(conn):
        writes.append("COMMIT")

    query = {"query": "lighthouse keeper wind speed", "retrieval_strategy": "full_text", "k": 2, "score": 0}
    event.listen(engine, "before_cursor_execute", record)
    event.listen(engine, "commit", committed)
    try:
        first = console.post(f"/datasets/{ds}/hit", json=query)["data"]
        second = console.post(f"/datasets/{ds}/hit", json=query)["data"]
    finally:
        event.remove(engine, "before_cursor_execute", record)
        event.remove(engine, "commit", committed)
    assert len(first) == len(second) == 2
    assert writes == []  # no INSERT, UPDATE or COMMIT on the request's engine
    assert all(h["hit_count"] >= 1 for h in first + second)  # the answer counts this hit

    # the background thread writes both retrievals within its interval (1 s), no read needed
    wait_until(lambda: _stored(app, ds) == (4, 2), timeout=15, what="hit counts and query log written")
    assert [q["query"] for q in console.get(f"/datasets/{ds}/queries")["data"]] == [query["query"]] * 2
    assert console.get(f"/datasets/{ds}")["data"]["hit_count"] == 4
    doc = console.get(f"/datasets/{ds}/documents")["data"]["list"][0]
    segments = console.get(f"/datasets/{ds}/documents/{doc['id']}/segments")["data"]["list"]
    assert sorted(s["hit_count"] for s in segments) == [0, 2, 2]


def test_a_read_in_the_same_process_sees_its_hits_at_once(console, app, celery_worker):
    """The console asks for the query list right after a hit test (最近查询)."""
    ds = create_dataset(console)
    for i in range(3):
        console.post(f"/datasets/{ds}/hit", json={"query": f"question {i}", "retrieval_strategy": "hybrid", "k": 3, "score": 0})
        assert [q["query"] for q in console.get(f"/datasets/{ds}/queries")["data"]][:1] == [f"question {i}"]


def _segments(app, n: int = 2) -> tuple[uuid.UUID, list[uuid.UUID], list[uuid.UUID]]:
    """An account with two datasets and `n` segments in the first, as rows (no index needed)."""
    account = make_account(app).account_id
    db = app.extensions["injector"].get(SQLAlchemy)
    with app.app_context():
        datasets = [Dataset(account_id=account, name=f"hits-{uuid.uuid4().hex[:6]}", embedding_model="m") for _ in range(2)]
        db.session.add_all(datasets)
        db.session.flush()
        rule = ProcessRule(account_id=account, dataset_id=datasets[0].id)
        db.session.add(rule)
        db.session.flush()
        doc = Document(account_id=account, dataset_id=datasets[0].id, process_rule_id=rule.id, batch="b", name="d.txt")
        db.session.add(doc)
        db.session.flush()
        segments = [Segment(account_id=account, dataset_id=datasets[0].id, document_id=doc.id, position=i, content=f"s{i}")
                    for i in range(n)]
        db.session.add_all(segments)
        db.session.commit()
        out = account, [d.id for d in datasets], [s.id for s in segments]
        db.session.remove()
    return out


def _counts(app, segment_ids) -> list[int]:
    db = app.extensions["injector"].get(SQLAlchemy)
    with app.app_context():
        rows = dict(db.session.execute(select(Segment.id, Segment.hit_count).where(Segment.id.in_(segment_ids))).all())
        db.session.remove()
    return [rows[s] for s in segment_ids]


def _logged(app, dataset_ids) -> list[tuple[uuid.UUID, str, str]]:
    db = app.extensions["injector"].get(SQLAlchemy)
    with app.app_context():
        rows = db.session.execute(select(DatasetQuery.dataset_id, DatasetQuery.query, DatasetQuery.source)
                                  .where(DatasetQuery.dataset_id.in_(dataset_ids))).all()
        db.session.remove()
    return sorted((r[0], r[1], r[2]) for r in rows)


def test_one_batch_adds_every_hit_and_keeps_the_rest_when_a_record_is_refused(db_app):
    account, (ds, other), (s0, s1) = _segments(db_app)
    writer = db_app.extensions["injector"].get(DatasetHitWriter)
    gone = uuid.uuid4()  # a dataset deleted between the retrieval and the write: refused by its foreign key
    writer.write([
        HitRecord(account, (ds, other), "both", "hit_testing", None, (s0, s1), utcnow()),
        HitRecord(account, (gone,), "refused", "app", None, (s1,), utcnow()),
        HitRecord(account, (ds,), "again", "app", None, (s0,), utcnow()),
        HitRecord(account, (ds,), "again", "app", None, (s0,), utcnow()),
    ])
    assert _counts(db_app, [s0, s1]) == [3, 1]  # the refused record's +1 on s1 went with it
    assert _logged(db_app, [ds, other, gone]) == sorted(
        [(ds, "both", "hit_testing"), (other, "both", "hit_testing"), (ds, "again", "app"), (ds, "again", "app")])


def test_pending_hits_are_written_at_shutdown(db_app):
    account, (ds, _), (s0, _) = _segments(db_app)
    writer = db_app.extensions["injector"].get(DatasetHitWriter)
    at_exit = DatasetHitLog(writer.write, flush_interval=3600)  # its thread would wait an hour
    at_exit.emit(HitRecord(account, (ds,), "at exit", "app", None, (s0,), utcnow()))
    prefork_child = DatasetHitLog(writer.write, flush_interval=3600)
    prefork_child.emit(HitRecord(account, (ds,), "prefork child", "app", None, (s0,), utcnow()))
    assert _counts(db_app, [s0]) == [0] and at_exit.pending == prefork_child.pending == 1
    at_exit.close()  # registered with atexit
    assert _counts(db_app, [s0]) == [1]
    close_all()  # Celery's worker_process_shutdown (a prefork child ends with os._exit, no atexit)
    assert _counts(db_app, [s0]) == [2]
    assert [q for _, q, _ in _logged(db_app, [ds])] == ["at exit", "prefork child"]

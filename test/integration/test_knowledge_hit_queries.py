"""Hit testing reads the returned segments back in one query, whatever k is (issue 13 §1: a
database refresh per returned segment made the API ~1.2 ms per segment slower than the engine),
and the hit counts it answers include this hit."""
from __future__ import annotations

from sqlalchemy import event

from pkg.sqlalchemy import SQLAlchemy

from .test_knowledge_base import create_dataset, upload, wait_batch

# twelve paragraphs of ~80 tokens each: with chunk_size 100 each is a segment of its own
TEXT = "\n\n".join(f"Paragraph {i}: " + " ".join(["the lighthouse keeper logs the wind speed"] * 11) for i in range(12))


def test_a_hit_costs_the_same_statements_for_one_segment_or_eight(console, app, celery_worker):
    ds = create_dataset(console)
    file_id = upload(console, "keeper.txt", TEXT.encode())
    body = console.post(f"/datasets/{ds}/documents", json={"upload_file_ids": [file_id], "process_type": "custom", "rule": {
        "pre_process_rules": [], "segment": {"separators": ["\n\n"], "chunk_size": 100, "chunk_overlap": 0}}})
    assert body["code"] == "success", body
    assert wait_batch(console, ds, body["data"]["batch"])[0]["status"] == "completed"

    with app.app_context():
        engine = app.extensions["injector"].get(SQLAlchemy).engine
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        per_k = {}
        for k in (1, 8):
            statements.clear()
            hits = console.post(f"/datasets/{ds}/hit", json={"query": "lighthouse keeper wind speed",
                                                             "retrieval_strategy": "full_text", "k": k, "score": 0})["data"]
            assert len(hits) == k
            per_k[k] = sum(s.lstrip().upper().startswith("SELECT") and "segment" in s for s in statements)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert per_k[8] == per_k[1], per_k  # not one more query per returned segment
    assert all(h["hit_count"] >= 1 for h in hits)

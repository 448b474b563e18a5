"""A dataset's embedding model is selectable (issue 13 §2): switching it to the local
multilingual model re-embeds the dataset in a real Celery worker, after which Chinese semantic
hit testing works through the console API; unknown models are validation errors that change
nothing. PostgreSQL + Redis + a real worker process, as the other knowledge-base tests."""
from __future__ import annotations

import time

from bench.kb.datasets import load_zh
from internal.core.indexing import KnowledgeBase
from internal.core.vector_store import SegmentFilter
from test.integration.test_knowledge_base import create_dataset, upload, wait_batch

E5 = "local:multilingual-e5-small"
MINILM = "local:all-MiniLM-L6-v2"
PASSAGES = ["p01", "p08", "p09", "p15", "p16", "p43", "p49"]


def wait_ready(console, ds: str, timeout: float = 180) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        detail = console.get(f"/datasets/{ds}")["data"]
        if detail["embedding_status"] == "ready":
            return detail
        time.sleep(0.3)
    raise AssertionError(f"dataset {ds} still re-indexing: {detail}")


def test_switching_to_the_multilingual_model_reindexes_and_answers_chinese(console, app, celery_worker):
    corpus, queries, qrels = load_zh()
    text = dict(corpus)
    ds = create_dataset(console, "zh")
    detail = console.get(f"/datasets/{ds}")["data"]
    assert detail["embedding_model"] == MINILM and detail["embedding_status"] == "ready"
    ids = [upload(console, f"{p}.txt", text[p].encode()) for p in PASSAGES]
    body = console.post(f"/datasets/{ds}/documents", json={"upload_file_ids": ids, "process_type": "automatic", "rule": {}})
    assert body["code"] == "success", body
    docs = {d["name"]: d["id"] for d in wait_batch(console, ds, body["data"]["batch"])}
    kb = app.extensions["injector"].get(KnowledgeBase)
    everything = SegmentFilter(str(console.account.account_id), (ds,), include_disabled=True)
    assert kb.vector_store(MINILM).count(everything) == len(PASSAGES)

    # the console's own update (name, icon, description only) keeps the model
    name = detail["name"]
    assert console.post(f"/datasets/{ds}", json={"name": name, "icon": "", "description": "d"})["code"] == "success"
    assert console.get(f"/datasets/{ds}")["data"]["embedding_model"] == MINILM

    switched = console.post(f"/datasets/{ds}", json={"name": name, "icon": "", "description": "d", "embedding_model": E5})
    assert switched["code"] == "success", switched
    detail = wait_ready(console, ds)
    assert detail["embedding_model"] == E5
    assert kb.vector_store(E5).count(everything) == len(PASSAGES)
    assert kb.vector_store(MINILM).count(everything) == 0  # the old space is dropped

    # a task of an older switch (stale generation) stops without writing anything
    from internal.service.indexing_service import IndexingService

    with app.app_context():
        svc = app.extensions["injector"].get(IndexingService)
        assert svc.reembed_dataset(ds, 0, E5) == 0
    assert kb.vector_store(E5).count(everything) == len(PASSAGES)

    asked = 0
    for q, rel in qrels.items():
        (want,) = rel if len(rel) == 1 else (None,)
        if want not in PASSAGES:
            continue
        hits = console.post(f"/datasets/{ds}/hit", json={"query": queries[q], "retrieval_strategy": "semantic", "k": 3, "score": 0})
        assert hits["code"] == "success", hits
        assert hits["data"][0]["document"]["id"] == docs[f"{want}.txt"], (queries[q], [h["document"]["name"] for h in hits["data"]])
        asked += 1
    assert asked == len(PASSAGES)

    # a document added after the switch is indexed with the new model
    extra = upload(console, "p02.txt", text["p02"].encode())
    body = console.post(f"/datasets/{ds}/documents", json={"upload_file_ids": [extra], "process_type": "automatic", "rule": {}})
    (doc,) = wait_batch(console, ds, body["data"]["batch"])
    assert doc["status"] == "completed"
    hits = console.post(f"/datasets/{ds}/hit", json={"query": queries["q02"], "retrieval_strategy": "hybrid", "k": 1, "score": 0})
    assert hits["data"][0]["document"]["id"] == doc["id"]
    assert kb.vector_store(MINILM).count(everything) == 0


def test_unknown_embedding_model_is_a_validation_error_and_changes_nothing(console, celery_worker):
    bad = console.post("/datasets", json={"name": "bad-model", "icon": "", "description": "", "embedding_model": "local:nope"})
    assert bad["code"] == "validate_error" and "embedding_model" in bad["message"], bad
    assert console.get("/datasets", query_string={"search_word": "bad-model"})["data"]["paginator"]["total_record"] == 0
    for value in ("", "x" * 300, 42):
        bad = console.post("/datasets", json={"name": "bad-model", "icon": "", "description": "", "embedding_model": value})
        assert bad["code"] == "validate_error", (value, bad)

    created = console.post("/datasets", json={"name": "chosen-model", "icon": "", "description": "", "embedding_model": E5})
    assert created["code"] == "success", created
    ds = created["data"]["id"]
    assert console.get(f"/datasets/{ds}")["data"]["embedding_model"] == E5
    bad = console.post(f"/datasets/{ds}", json={"name": "renamed", "icon": "", "description": "", "embedding_model": "openai:unconfigured"})
    assert bad["code"] == "validate_error", bad
    detail = console.get(f"/datasets/{ds}")["data"]
    assert detail["name"] == "chosen-model" and detail["embedding_model"] == E5 and detail["embedding_status"] == "ready"


def test_embedding_models_route_lists_the_choices(console):
    body = console.get("/datasets/embedding-models")
    assert body["code"] == "success", body
    assert body["data"]["default_model"] == MINILM
    assert body["data"]["models"][:2] == [MINILM, E5]

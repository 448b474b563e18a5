"""Vector store + keyword index contract tests, run against every implementation."""
import multiprocessing as mp
import uuid

import numpy as np
import pytest

from internal.core.keyword_index import LocalKeywordIndex, tokenize
from internal.core.vector_store import LocalVectorStore, SegmentFilter, SegmentRef
from internal.core.vector_store import shards as shards_mod

DIM = 16


def _vecs(n, seed=0):
    rng = np.random.default_rng(seed)
    v = rng.standard_normal((n, DIM)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def _refs(n, account="acct-a", dataset="ds-1", docs=3, prefix="s"):
    return [SegmentRef(f"{prefix}{i}", f"doc-{i % docs}", dataset, account) for i in range(n)]


@pytest.fixture(params=["local", "milvus"])
def vstore(request, tmp_path):
    if request.param == "local":
        return LocalVectorStore(tmp_path / "vec", DIM)
    pytest.importorskip("milvus_lite")
    from internal.core.vector_store.milvus import MilvusVectorStore

    return MilvusVectorStore(str(tmp_path / "milvus.db"), f"seg_{uuid.uuid4().hex[:8]}", DIM)


def _ids(hits):
    return [h.segment_id for h in hits]


def test_exact_nearest_neighbour_and_scores(vstore):
    v = _vecs(50)
    vstore.upsert(_refs(50), v)
    hits = vstore.search(v[7], 5, SegmentFilter("acct-a", ("ds-1",)))
    assert hits[0].segment_id == "s7" and abs(hits[0].score - 1.0) < 1e-4
    brute = np.argsort(-(v @ v[7]))[:5]
    assert _ids(hits) == [f"s{i}" for i in brute]
    assert hits[0].document_id == "doc-1" and hits[0].dataset_id == "ds-1"


def test_tenant_dataset_document_and_enabled_filters(vstore):
    v = _vecs(30)
    vstore.upsert(_refs(10, "acct-a", "ds-1"), v[:10])
    vstore.upsert(_refs(10, "acct-a", "ds-2", prefix="t"), v[10:20])
    vstore.upsert(_refs(10, "acct-b", "ds-3", prefix="u"), v[20:])
    q = v[0]
    # other tenant sees nothing even when naming the dataset
    assert vstore.search(q, 10, SegmentFilter("acct-b", ("ds-1",))) == []
    assert vstore.count(SegmentFilter("acct-b", ("ds-1", "ds-2"))) == 0
    both = vstore.search(q, 30, SegmentFilter("acct-a", ("ds-1", "ds-2")))
    assert len(both) == 20 and {h.dataset_id for h in both} == {"ds-1", "ds-2"}
    only_doc = vstore.search(q, 30, SegmentFilter("acct-a", ("ds-1",), document_ids=("doc-2",)))
    assert {h.document_id for h in only_doc} == {"doc-2"} and len(only_doc) == 3
    # filtering happens before top-k: k results even if the best matches are filtered out
    vstore.set_segments_enabled("ds-1", ["s0", "s1"], False)
    hits = vstore.search(q, 5, SegmentFilter("acct-a", ("ds-1",)))
    assert len(hits) == 5 and "s0" not in _ids(hits) and "s1" not in _ids(hits)
    vstore.set_document_enabled("ds-1", "doc-0", False)
    assert vstore.count(SegmentFilter("acct-a", ("ds-1",))) == 10 - 4 - 1  # doc-0 has s0,s3,s6,s9; s1 disabled
    vstore.set_document_enabled("ds-1", "doc-0", True)
    vstore.set_segments_enabled("ds-1", ["s0", "s1"], True)
    assert vstore.count(SegmentFilter("acct-a", ("ds-1",))) == 10


def test_upsert_replaces_and_deletes(vstore):
    v = _vecs(20)
    vstore.upsert(_refs(10), v[:10])
    vstore.upsert(_refs(10), v[10:20])  # same ids again: replaced, no duplicates
    flt = SegmentFilter("acct-a", ("ds-1",))
    assert vstore.count(flt) == 10
    assert vstore.search(v[15], 1, flt)[0].segment_id == "s5"
    vstore.delete_segments("ds-1", ["s5"])
    assert "s5" not in _ids(vstore.search(v[15], 10, flt))
    vstore.delete_documents("ds-1", ["doc-1"])
    assert vstore.count(flt) == 10 - 1 - 3  # s5 deleted; doc-1 = s1,s4,s7 (s5 is doc-2)
    vstore.delete_dataset("ds-1")
    assert vstore.count(flt) == 0 and vstore.search(v[0], 3, flt) == []


def test_local_store_persists_and_compacts(tmp_path, monkeypatch):
    monkeypatch.setattr(shards_mod, "MAX_PARTS", 4)
    v = _vecs(200)
    s1 = LocalVectorStore(tmp_path, DIM)
    for i in range(0, 200, 10):  # 20 small upserts
        s1.upsert([SegmentRef(f"s{j}", f"doc-{j // 10}", "ds", "a") for j in range(i, i + 10)], v[i : i + 10])
    shard = s1.load_shard("ds")
    assert len(shard.parts) <= 4
    s1.delete_documents("ds", [f"doc-{k}" for k in range(8)])
    s2 = LocalVectorStore(tmp_path, DIM)  # a fresh process-like instance reads the same files
    flt = SegmentFilter("a", ("ds",))
    assert s2.count(flt) == 120
    assert s2.search(v[150], 1, flt)[0].segment_id == "s150"
    assert s2.search(v[5], 3, flt)[0].segment_id != "s5"


def _writer(root, start, n, seed):
    store = LocalVectorStore(root, DIM)
    v = _vecs(start + n, seed)[start:]
    for i in range(n):
        store.upsert([SegmentRef(f"w{start + i}", f"doc-{start + i}", "shared", "a")], v[i : i + 1])


def test_concurrent_writer_processes_and_reader(tmp_path):
    ctx = mp.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(str(tmp_path), k * 25, 25, 3)) for k in range(2)]
    reader = LocalVectorStore(tmp_path, DIM)
    flt = SegmentFilter("a", ("shared",))
    for p in procs:
        p.start()
    seen = []
    while any(p.is_alive() for p in procs):
        seen.append(reader.count(flt))  # never raises, never sees a torn state
    for p in procs:
        p.join()
        assert p.exitcode == 0
    assert seen == sorted(seen)
    assert reader.count(flt) == 50  # no lost update between the two writers
    assert len(set(reader.segment_ids(flt))) == 50


def test_store_rejects_cross_tenant_write(tmp_path):
    s = LocalVectorStore(tmp_path, DIM)
    s.upsert(_refs(2, "acct-a", "ds"), _vecs(2))
    with pytest.raises(PermissionError):
        s.upsert(_refs(2, "acct-b", "ds", prefix="x"), _vecs(2))


# -- keyword index ------------------------------------------------------------------------------
def test_tokenizer_mixed_languages():
    toks = tokenize("知识库支持混合检索。The runners were running quickly!")
    assert "知识库" in toks and "检索" in toks
    assert "runner" in toks and "run" in toks and "the" not in toks


def test_bm25_ranking_filters_and_persistence(tmp_path):
    idx = LocalKeywordIndex(tmp_path)
    texts = [
        "向量数据库用于语义检索",
        "全文检索使用倒排索引和BM25算法",
        "今天的天气非常好",
        "BM25 ranks documents by term frequency and inverse document frequency",
        "Cats are running in the garden",
    ]
    refs = [SegmentRef(f"k{i}", f"doc-{i}", "ds", "a") for i in range(len(texts))]
    idx.upsert(refs, texts)
    flt = SegmentFilter("a", ("ds",))
    hits = idx.search("倒排索引", 3, flt)
    assert hits[0].segment_id == "k1" and 0 < hits[0].score <= 1
    assert idx.search("cat run", 3, flt)[0].segment_id == "k4"  # stemming
    assert {h.segment_id for h in idx.search("bm25", 5, flt)} == {"k1", "k3"}
    assert idx.search("天气", 5, SegmentFilter("b", ("ds",))) == []
    idx.set_document_enabled("ds", "doc-2", False)
    assert idx.search("天气", 5, flt) == []
    idx2 = LocalKeywordIndex(tmp_path)  # persisted: new instance, nothing recomputed
    assert idx2.search("倒排索引", 3, flt)[0].segment_id == "k1"
    assert idx2.search("天气", 5, flt) == []
    idx2.delete_documents("ds", ["doc-1"])
    assert [h.segment_id for h in idx.search("bm25", 5, flt)] == ["k3"]


def test_bm25_scores_follow_idf(tmp_path):
    idx = LocalKeywordIndex(tmp_path)
    texts = ["common rare"] + ["common filler text"] * 20
    idx.upsert([SegmentRef(f"k{i}", "d", "ds", "a") for i in range(len(texts))], texts)
    hits = idx.search("rare common", 3, SegmentFilter("a", ("ds",)))
    assert hits[0].segment_id == "k0" and hits[0].score > hits[1].score * 2


def test_keyword_compaction_preserves_postings(tmp_path, monkeypatch):
    monkeypatch.setattr(shards_mod, "MAX_PARTS", 2)
    idx = LocalKeywordIndex(tmp_path)
    for i in range(6):
        idx.upsert([SegmentRef(f"k{i}", f"d{i}", "ds", "a")], [f"unique{i} shared words 共享 词语"])
    flt = SegmentFilter("a", ("ds",))
    assert len(idx.load_shard("ds").parts) <= 2
    for i in range(6):
        assert idx.search(f"unique{i}", 1, flt)[0].segment_id == f"k{i}"
    assert len(idx.search("共享", 10, flt)) == 6


def test_ivf_index_on_large_parts_keeps_recall_and_filters(tmp_path):
    rng = np.random.default_rng(5)
    centers = rng.standard_normal((40, DIM)).astype(np.float32)
    v = centers[rng.integers(0, 40, 6000)] + 0.35 * rng.standard_normal((6000, DIM)).astype(np.float32)
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    store = LocalVectorStore(tmp_path, DIM, ivf_min_rows=5000, probe_fraction=0.15)
    for i in range(0, 6000, 1000):
        store.upsert([SegmentRef(f"s{j}", f"doc-{j % 50}", "ds", "a") for j in range(i, i + 1000)], v[i : i + 1000])
    store.optimize("ds")
    shard = store.load_shard("ds")
    assert len(shard.parts) == 1 and "ivf" in shard.parts[0].payload
    flt = SegmentFilter("a", ("ds",))
    queries = v[rng.choice(6000, 50, replace=False)] + 0.1 * rng.standard_normal((50, DIM)).astype(np.float32)
    recall = []
    for q in queries:
        q = q / np.linalg.norm(q)
        exact = {f"s{i}" for i in np.argsort(-(v @ q))[:10]}
        got = {h.segment_id for h in store.search(q, 10, flt)}
        recall.append(len(exact & got) / 10)
    assert np.mean(recall) >= 0.9, np.mean(recall)
    # filters still apply inside the IVF scan
    store.set_document_enabled("ds", "doc-3", False)
    for q in queries[:10]:
        assert all(h.document_id != "doc-3" for h in store.search(q / np.linalg.norm(q), 20, flt))
    assert store.search(queries[0], 5, SegmentFilter("other", ("ds",))) == []
    # a reader in another instance sees the optimized shard
    assert LocalVectorStore(tmp_path, DIM).count(flt) == 6000 - 120


def test_only_a_small_dataset_already_in_memory_is_searched_on_the_calling_thread(tmp_path):
    """Issue 13 §1: under gevent the engine hands a search to a native thread unless the store
    says it is a small in-memory scan (the hand-off cost more than scanning 300 rows)."""
    from internal.core.vector_store.local import INLINE_SEARCH_ROWS

    store = LocalVectorStore(tmp_path, DIM)
    store.upsert(_refs(300), _vecs(300))
    store.upsert(_refs(INLINE_SEARCH_ROWS, dataset="ds-big", prefix="b"), _vecs(INLINE_SEARCH_ROWS, seed=1))
    small, big = SegmentFilter("acct-a", ("ds-1",)), SegmentFilter("acct-a", ("ds-1", "ds-big"))
    fresh = LocalVectorStore(tmp_path, DIM)  # another process: nothing loaded yet, loading is file I/O
    assert not fresh.search_is_small(small)
    fresh.search(_vecs(1)[0], 3, small)
    assert fresh.search_is_small(small)
    fresh.search(_vecs(1)[0], 3, big)
    assert not fresh.search_is_small(big)  # 300 + INLINE_SEARCH_ROWS rows

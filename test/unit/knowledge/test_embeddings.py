import json
from pathlib import Path

import httpx
import numpy as np
import pytest

from internal.core.embeddings import (
    CachedEmbeddings,
    EmbeddingError,
    InMemoryEmbeddingCache,
    OpenAICompatibleEmbeddings,
    RedisEmbeddingCache,
    content_hash,
)

REF = Path(__file__).resolve().parents[2] / "fixtures" / "knowledge" / "minilm_reference.json"


def test_minilm_matches_sentence_transformers_reference(minilm):
    ref = json.loads(REF.read_text())
    got = minilm.embed_array(ref["texts"])
    want = np.asarray(ref["vectors"], dtype=np.float32)
    cos = (got * want).sum(axis=1) / np.linalg.norm(want, axis=1)
    assert got.shape == (len(ref["texts"]), 384)
    assert cos.min() >= 0.999, cos


def test_minilm_batching_and_order_do_not_change_vectors(minilm):
    texts = ["short", "a much longer sentence about diffusion tensor imaging in newborns", "中文句子", "x " * 300]
    together = minilm.embed_array(texts)
    alone = np.vstack([minilm.embed_array([t]) for t in texts])
    assert np.allclose(together, alone, atol=1e-5)
    assert np.allclose(np.linalg.norm(together, axis=1), 1.0, atol=1e-5)
    assert minilm.embed_array([]).shape == (0, 384)


def test_length_buckets_cover_every_row_once_and_limit_padding():
    from internal.core.embeddings.local_minilm import length_buckets

    lengths = np.array([240, 18, 150, 22, 236, 20, 160, 30, 200, 25] * 5)
    batches = length_buckets(lengths, max_batch=8)
    assert sorted(int(i) for b in batches for i in b) == list(range(len(lengths)))
    assert max(len(b) for b in batches) <= 8
    for b in batches:  # each batch is padded to its longest row: at most 1.2x its shortest + 8
        assert lengths[b].max() <= 1.2 * lengths[b].min() + 8
    # a small mixed call (a few documents' segments): one padded batch would be 2.1x the tokens
    small = np.array([240, 18, 150, 22, 236, 20])
    padded = sum(len(b) * small[b].max() for b in length_buckets(small, max_batch=32))
    assert padded <= 1.1 * small.sum()


def test_minilm_similarity_is_meaningful(minilm):
    a, b, c = minilm.embed_array(["The cat sits on the mat.", "A cat is sitting on a rug.", "Quarterly tax filing deadline"])
    assert a @ b > a @ c + 0.2


def test_minilm_langchain_surface(minilm):
    v = minilm.embed_query("hello")
    assert isinstance(v, list) and len(v) == 384
    assert len(minilm.embed_documents(["a", "b"])) == 2


def test_cache_embeds_each_distinct_text_once(hash_embeddings):
    cached = CachedEmbeddings(hash_embeddings, InMemoryEmbeddingCache())
    first = cached.embed_array(["alpha beta", "gamma", "alpha beta"])
    assert hash_embeddings.calls == [["alpha beta", "gamma"]]
    second = cached.embed_array(["gamma", "delta", "alpha beta"])
    assert hash_embeddings.calls[-1] == ["delta"]
    assert np.allclose(first[1], second[0]) and np.allclose(first[0], second[2])


def test_cache_key_depends_on_model():
    assert content_hash("m1", "x") != content_hash("m2", "x")
    assert content_hash("m1", "x") == content_hash("m1", "x")


def test_redis_cache_roundtrip(hash_embeddings):
    fakeredis = pytest.importorskip("fakeredis")
    r = fakeredis.FakeRedis()
    cached = CachedEmbeddings(hash_embeddings, RedisEmbeddingCache(r))
    v1 = cached.embed_array(["one two"])
    cached2 = CachedEmbeddings(hash_embeddings, RedisEmbeddingCache(r))
    v2 = cached2.embed_array(["one two"])
    assert len(hash_embeddings.calls) == 1
    assert np.allclose(v1, v2)


def _mock_provider(requests, fail_first=0, dim=3):
    state = {"n": 0}

    def handler(request: httpx.Request):
        body = json.loads(request.content)
        requests.append((request.headers.get("authorization"), body))
        state["n"] += 1
        if state["n"] <= fail_first:
            return httpx.Response(503, json={"error": {"message": "busy"}})
        data = [{"object": "embedding", "index": i, "embedding": [float(len(t)), 1.0, 0.0][:dim]} for i, t in enumerate(body["input"])]
        data.reverse()  # providers may return out of order: index decides
        return httpx.Response(200, json={"object": "list", "data": data, "model": body["model"]})

    return httpx.Client(transport=httpx.MockTransport(handler))


def test_openai_compatible_batches_orders_and_normalises():
    reqs = []
    emb = OpenAICompatibleEmbeddings("text-embedding-3-small", "http://upstream/v1", api_key="sk-x", batch_size=2, client=_mock_provider(reqs))
    out = emb.embed_array(["a", "bbb", "cc"])
    assert [len(b["input"]) for _, b in reqs] == [2, 1]
    assert reqs[0][0] == "Bearer sk-x"
    assert out.shape == (3, 3)
    assert np.allclose(np.linalg.norm(out, axis=1), 1)
    assert out[1][0] > out[2][0] > out[0][0]  # order follows inputs, not response order
    assert emb.model_id == "openai:text-embedding-3-small"


def test_openai_compatible_retries_then_fails_cleanly():
    reqs = []
    emb = OpenAICompatibleEmbeddings("m", "http://upstream/v1", client=_mock_provider(reqs, fail_first=1), max_retries=1)
    assert emb.embed_array(["x"]).shape == (1, 3)
    emb2 = OpenAICompatibleEmbeddings("m", "http://upstream/v1", client=_mock_provider([], fail_first=99), max_retries=1)
    with pytest.raises(EmbeddingError):
        emb2.embed_array(["x"])


def test_openai_compatible_rejects_dimension_mismatch():
    emb = OpenAICompatibleEmbeddings("m", "http://upstream/v1", dimension=1536, client=_mock_provider([]))
    with pytest.raises(EmbeddingError):
        emb.embed_array(["x"])


def test_database_cache_shared_between_instances(hash_embeddings, tmp_path):
    from sqlalchemy import create_engine

    from internal.core.embeddings import DatabaseEmbeddingCache
    from internal.model.embedding_cache import EmbeddingCacheEntry

    engine = create_engine(f"sqlite:///{tmp_path / 'c.db'}")
    EmbeddingCacheEntry.__table__.create(engine)
    first = CachedEmbeddings(hash_embeddings, DatabaseEmbeddingCache(engine, EmbeddingCacheEntry.__table__))
    v1 = first.embed_array(["a b", "c d"])
    second = CachedEmbeddings(hash_embeddings, DatabaseEmbeddingCache(engine, EmbeddingCacheEntry.__table__))
    v2 = second.embed_array(["c d", "a b", "e f"])
    assert hash_embeddings.calls == [["a b", "c d"], ["e f"]]
    assert np.allclose(v1[0], v2[1]) and np.allclose(v1[1], v2[0])
    # a concurrent writer that already stored the key is not an error
    DatabaseEmbeddingCache(engine, EmbeddingCacheEntry.__table__).set_many({content_hash("test:hash", "a b"): v1[0]})

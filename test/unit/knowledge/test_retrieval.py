import pytest

from internal.core.indexing import IndexingPipeline, SegmentToIndex, segment_id_for
from internal.core.keyword_index import LocalKeywordIndex
from internal.core.retrievers import (
    DatasetBinding,
    DatasetRetrievalTool,
    EngineRetriever,
    RetrievalEngine,
    RetrievalRequest,
    RetrievalStrategy,
)
from internal.core.text_splitter import ProcessRule
from internal.core.vector_store import LocalVectorStore, SegmentFilter

DOCS = {
    "doc-py": "Python is a programming language. It is popular for data science and web backends.",
    "doc-zh": "知识库支持语义检索、全文检索和混合检索。检索结果按分数排序。",
    "doc-cook": "To bake bread you need flour, water, salt and yeast. Knead the dough well.",
}


@pytest.fixture
def kb(tmp_path, hash_embeddings):
    vs = LocalVectorStore(tmp_path / "v", hash_embeddings.dimension)
    kw = LocalKeywordIndex(tmp_path / "k")
    pipe = IndexingPipeline(hash_embeddings, vs, kw)
    prepared = pipe.run("acct", "ds", [(d, t.encode(), "txt", ProcessRule.automatic()) for d, t in DOCS.items()])
    engine = RetrievalEngine(kw, lambda ds: DatasetBinding(hash_embeddings, vs))
    contents = {p.segment_id: {"content": p.content, "document_id": d} for d, ps in prepared.items() for p in ps}
    return engine, pipe, prepared, contents, vs, kw


@pytest.mark.parametrize("strategy", list(RetrievalStrategy))
def test_each_strategy_finds_the_right_document(kb, strategy):
    engine = kb[0]
    for query, doc in [("bread flour yeast", "doc-cook"), ("python programming", "doc-py"), ("全文检索", "doc-zh")]:
        res = engine.retrieve(RetrievalRequest(query, "acct", ("ds",), strategy, k=2))
        assert res.segments and res.segments[0].document_id == doc, (strategy, query)
        assert all(0.0 <= h.score <= 1.0 for h in res.segments)


def test_hybrid_reports_both_scores_and_threshold_applies(kb):
    engine = kb[0]
    res = engine.retrieve(RetrievalRequest("bread flour yeast", "acct", ("ds",), RetrievalStrategy.HYBRID, k=3))
    top = res.segments[0]
    assert top.semantic_score is not None and top.keyword_score is not None and "rrf" in top.extra
    assert top.score == pytest.approx(0.5 * top.semantic_score + 0.5 * top.keyword_score)
    strict = engine.retrieve(RetrievalRequest("bread flour yeast", "acct", ("ds",), RetrievalStrategy.HYBRID, k=3, score_threshold=top.score))
    assert [h.segment_id for h in strict.segments] == [top.segment_id]


def test_other_tenant_and_disabled_documents_are_invisible(kb):
    engine, pipe, prepared, _, vs, kw = kb
    for strategy in RetrievalStrategy:
        assert engine.retrieve(RetrievalRequest("bread", "intruder", ("ds",), strategy)).segments == []
    vs.set_document_enabled("ds", "doc-cook", False)
    kw.set_document_enabled("ds", "doc-cook", False)
    for strategy in RetrievalStrategy:
        res = engine.retrieve(RetrievalRequest("bread flour yeast", "acct", ("ds",), strategy, k=5))
        assert all(h.document_id != "doc-cook" for h in res.segments)


def test_reindexing_is_idempotent(kb):
    engine, pipe, prepared, _, vs, kw = kb
    again = pipe.run("acct", "ds", [("doc-py", DOCS["doc-py"].encode(), "txt", ProcessRule.automatic())])
    assert [p.segment_id for p in again["doc-py"]] == [p.segment_id for p in prepared["doc-py"]]
    flt = SegmentFilter("acct", ("ds",))
    total = sum(len(v) for v in prepared.values())
    assert vs.count(flt) == total and kw.count(flt) == total
    assert segment_id_for("doc-py", 1, "h") == segment_id_for("doc-py", 1, "h")


def test_segment_edit_reembeds(kb, hash_embeddings):
    engine, pipe, prepared, _, vs, kw = kb
    seg = prepared["doc-py"][0]
    pipe.index("acct", "ds", [SegmentToIndex(seg.segment_id, "doc-py", "Quantum chromodynamics gluon")])
    res = engine.retrieve(RetrievalRequest("gluon chromodynamics", "acct", ("ds",), RetrievalStrategy.HYBRID, k=1))
    assert res.segments[0].segment_id == seg.segment_id
    assert hash_embeddings.calls[-2] == ["Quantum chromodynamics gluon"]  # then the query


def test_langchain_retriever_and_tool(kb):
    engine, _, _, contents, _, _ = kb
    retriever = EngineRetriever(
        engine=engine,
        load_segments=lambda ids: {i: contents[i] for i in ids if i in contents},
        account_id="acct",
        dataset_ids=["ds"],
        strategy=RetrievalStrategy.HYBRID,
        k=2,
    )
    docs = retriever.invoke("bread yeast")
    assert docs and "bread" in docs[0].page_content
    assert docs[0].metadata["document_id"] == "doc-cook" and "score" in docs[0].metadata
    tool = DatasetRetrievalTool(retriever=retriever)
    out = tool.invoke({"query": "python programming"})
    assert "Python is a programming language" in out
    stranger = retriever.model_copy(update={"account_id": "other"})
    assert stranger.invoke("bread") == []

"""Scores fit the console's default threshold of 0.5 (issue 13 §1): on an English and a Chinese
fixture the relevant segment is returned at 0.5 by every strategy that can honestly reach it
with the offline model, a segment containing every query word scores > 0.5 full-text, and
hybrid scores never increase down the list."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from internal.core.indexing import IndexingPipeline, SegmentToIndex
from internal.core.keyword_index import LocalKeywordIndex, tokenize
from internal.core.keyword_index.scoring import fulltext_scores
from internal.core.retrievers import DatasetBinding, RetrievalEngine, RetrievalRequest, RetrievalStrategy
from internal.core.retrievers.calibration import IDENTITY, SEMANTIC_CALIBRATIONS, ScoreCalibration, semantic_calibration
from internal.core.vector_store import LocalVectorStore
from internal.core.vector_store.base import SegmentFilter, SegmentRef

FIXTURE = json.loads((Path(__file__).resolve().parents[2] / "fixtures/knowledge/calibration.json").read_text())
THRESHOLD = 0.5  # the console's default 最小匹配度


@pytest.fixture(scope="module")
def engines(tmp_path_factory, minilm):
    """Both fixtures indexed with the offline MiniLM, one dataset per language."""
    root = tmp_path_factory.mktemp("calibration")
    vs = LocalVectorStore(root / "v", minilm.dimension)
    kw = LocalKeywordIndex(root / "k")
    pipe = IndexingPipeline(minilm, vs, kw)
    for lang, data in FIXTURE.items():
        if lang.startswith("_"):
            continue
        pipe.index("acct", lang, [SegmentToIndex(f"{lang}-{i}", f"{lang}-doc-{i}", t) for i, t in enumerate(data["segments"])])
    return RetrievalEngine(kw, lambda ds: DatasetBinding(minilm, vs))


def cases(lang: str):
    return [(q, f"{lang}-{i}") for q, i in FIXTURE[lang]["queries"]]


def _top_at_default(engine, lang, query, strategy):
    res = engine.retrieve(RetrievalRequest(query, "acct", (lang,), strategy, k=5, score_threshold=THRESHOLD))
    return res.segments


# the strategies the offline English model can serve per language: MiniLM has no usable Chinese
# vectors (on this fixture unrelated Chinese pairs reach a cosine of 0.63 while two relevant
# ones score 0.37 and 0.45), so semantic search over Chinese needs a multilingual model
SERVED = [("en", RetrievalStrategy.SEMANTIC), ("en", RetrievalStrategy.HYBRID), ("zh", RetrievalStrategy.HYBRID)]


@pytest.mark.parametrize(("lang", "strategy"), SERVED, ids=[f"{lang}-{s.value}" for lang, s in SERVED])
def test_relevant_segment_passes_the_console_default(engines, lang, strategy):
    for query, relevant in cases(lang):
        hits = _top_at_default(engines, lang, query, strategy)
        assert hits, (strategy, query, "nothing at 0.5")
        assert hits[0].segment_id == relevant and hits[0].score >= THRESHOLD, (strategy, query, hits[:2])


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_full_text_passes_the_default_when_the_segment_has_every_query_word(engines, lang):
    """Full-text ranks the relevant segment first for every question; it passes 0.5 whenever
    the segment contains every (non-stop) word of the question, which most questions here do."""
    segments = FIXTURE[lang]["segments"]
    complete = 0
    for query, relevant in cases(lang):
        res = engines.retrieve(RetrievalRequest(query, "acct", (lang,), RetrievalStrategy.FULL_TEXT, k=5))
        assert res.segments and res.segments[0].segment_id == relevant, (query, res.segments[:2])
        if set(tokenize(query)) <= set(tokenize(segments[int(relevant.split("-")[1])])):
            complete += 1
            assert res.segments[0].score > THRESHOLD, (query, res.segments[0])
    assert complete >= 5, complete  # the property is exercised (EN 5, ZH 8 of 10), not vacuous


def test_unrelated_english_segments_stay_below_the_default_semantically(engines):
    """The calibration lifts relevant hits, not everything: most wrong segments stay under 0.5."""
    passed_wrong = 0
    for query, relevant in cases("en"):
        res = engines.retrieve(RetrievalRequest(query, "acct", ("en",), RetrievalStrategy.SEMANTIC, k=10))
        passed_wrong += sum(1 for h in res.segments if h.segment_id != relevant and h.score >= THRESHOLD)
    assert passed_wrong <= 2, passed_wrong  # out of 90 wrong (query, segment) pairs


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_hybrid_scores_never_increase_down_the_list(engines, lang):
    for query, _ in cases(lang):
        scores = [h.score for h in engines.retrieve(
            RetrievalRequest(query, "acct", (lang,), RetrievalStrategy.HYBRID, k=10)).segments]
        assert scores == sorted(scores, reverse=True), (query, scores)


def test_full_text_scores_above_half_when_every_query_word_occurs(tmp_path):
    """Short, average and long segments, one occurrence each: all > 0.5; half the words < 0.5.
    (Ranking stays BM25's, the score is the running minimum of the blend down it: a full match
    so long that a partial match out-scores it in BM25 is capped at that match's score; see
    keyword_index/scoring.py.)"""
    kw = LocalKeywordIndex(tmp_path / "k")
    filler = "lorem ipsum dolor sit amet consectetur adipiscing elit sed eiusmod tempor"
    texts = {
        "short": "lighthouse keeper wind",
        "average": "the lighthouse keeper writes down the wind " + filler,
        "long": "lighthouse keeper wind " + " ".join([filler] * 3),
        "half": "the lighthouse " + filler,
    }
    texts.update({f"noise-{i}": f"{filler} number {i}" for i in range(20)})
    refs = [SegmentRef(k, f"doc-{k}", "ds", "acct") for k in texts]
    kw.upsert(refs, list(texts.values()))
    hits = {h.segment_id: h.score for h in kw.search("lighthouse keeper wind", 30, SegmentFilter("acct", ("ds",)))}
    assert min(hits["short"], hits["average"], hits["long"]) > THRESHOLD, hits
    assert hits["half"] < THRESHOLD, hits
    assert hits["short"] > hits["long"]  # BM25 length normalisation still ranks within the matches


def test_full_text_score_formula_bounds():
    bm25 = np.array([0.0, 0.5, 2.0, 6.6])
    scores = fulltext_scores(bm25, np.array([0.0, 3.0, 3.0, 3.0]), idf_total=3.0)
    assert np.all((scores >= 0) & (scores <= 1))
    assert np.all(scores[1:] > 0.5) and scores[0] == 0.0
    assert list(scores) == sorted(scores)  # monotone in BM25 at equal coverage


def test_semantic_calibration_is_monotone_and_keyed_by_model():
    cal = semantic_calibration("local:all-MiniLM-L6-v2")
    assert cal is SEMANTIC_CALIBRATIONS["local:all-MiniLM-L6-v2"]
    xs = np.linspace(-0.2, 1.0, 121)
    ys = [cal(x) for x in xs]
    assert all(b >= a for a, b in zip(ys, ys[1:], strict=False)) and ys[0] == 0.0 and ys[-1] == 1.0
    assert semantic_calibration("provider:unknown-model") is IDENTITY and IDENTITY(0.42) == pytest.approx(0.42)
    with pytest.raises(ValueError):
        ScoreCalibration(((0.0, 0.0), (0.5, 0.7), (0.4, 0.8)))


@pytest.fixture(scope="module")
def e5_engines(tmp_path_factory):
    """Both fixtures indexed with the offline multilingual model (its own calibration)."""
    from internal.core.embeddings.local_e5 import LocalMultilingualE5Embeddings

    e5 = LocalMultilingualE5Embeddings()
    root = tmp_path_factory.mktemp("calibration-e5")
    vs = LocalVectorStore(root / "v", e5.dimension)
    kw = LocalKeywordIndex(root / "k")
    pipe = IndexingPipeline(e5, vs, kw)
    for lang in ("en", "zh"):
        data = FIXTURE[lang]
        pipe.index("acct", lang, [SegmentToIndex(f"{lang}-{i}", f"{lang}-doc-{i}", t) for i, t in enumerate(data["segments"])])
    return RetrievalEngine(kw, lambda ds: DatasetBinding(e5, vs))


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_multilingual_model_passes_the_default_semantically_in_both_languages(e5_engines, lang):
    for query, relevant in cases(lang):
        hits = _top_at_default(e5_engines, lang, query, RetrievalStrategy.SEMANTIC)
        assert hits and hits[0].segment_id == relevant and hits[0].score >= THRESHOLD, (query, hits[:2])
        assert all(h.segment_id == relevant for h in hits), (query, hits)  # unrelated ones stay below 0.5


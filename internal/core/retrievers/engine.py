"""One retrieval engine: semantic, full-text and hybrid search over a tenant's datasets.

Scores are normalised to [0, 1] for every strategy so one ``score_threshold`` means the same
thing everywhere:
- semantic: cosine through the model's calibration (``calibration.py``), in [0, 1];
- full-text: IDF coverage blended with BM25 / its upper bound (``keyword_index/scoring.py``);
- hybrid: candidates from both (``candidate_k`` each) ranked by reciprocal-rank fusion, or by
  the weighted score (``fusion="weighted"``); the weighted score is ``alpha * semantic +
  (1 - alpha) * full_text`` (missing side = 0); under RRF the reported score is its running
  minimum down the ranking, so scores never increase with rank. RRF value in ``extra['rrf']``.
"""
from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np

from internal.core.embeddings.base import Embeddings
from internal.core.keyword_index.base import KeywordIndex
from internal.core.vector_store.base import ScoredSegment, SegmentFilter, VectorStore
from pkg.cooperative import run_off_hub

from .calibration import semantic_calibration

_POOL: ThreadPoolExecutor | None = None
_POOL_LOCK = threading.Lock()


def _pool() -> ThreadPoolExecutor:
    global _POOL
    if _POOL is None:
        with _POOL_LOCK:
            if _POOL is None:
                _POOL = ThreadPoolExecutor(max_workers=4, thread_name_prefix="retrieval")
    return _POOL


class RetrievalStrategy(StrEnum):
    SEMANTIC = "semantic"
    FULL_TEXT = "full_text"
    HYBRID = "hybrid"


@dataclass(frozen=True)
class RetrievalRequest:
    query: str
    account_id: str
    dataset_ids: tuple[str, ...]
    strategy: RetrievalStrategy = RetrievalStrategy.SEMANTIC
    k: int = 4
    score_threshold: float = 0.0
    document_ids: tuple[str, ...] | None = None

    def filter(self) -> SegmentFilter:
        return SegmentFilter(self.account_id, tuple(self.dataset_ids), self.document_ids)


@dataclass
class RetrievedSegment:
    segment_id: str
    document_id: str
    dataset_id: str
    score: float
    semantic_score: float | None = None
    keyword_score: float | None = None
    extra: dict = field(default_factory=dict)


@dataclass
class RetrievalResult:
    segments: list[RetrievedSegment]
    latency_ms: float
    timings: dict = field(default_factory=dict)


@dataclass(frozen=True)
class DatasetBinding:
    """Where a dataset's vectors live: its embeddings + the store for that vector space."""

    embeddings: Embeddings
    vector_store: VectorStore


class RetrievalEngine:
    def __init__(
        self,
        keyword_index: KeywordIndex,
        resolve: Callable[[str], DatasetBinding],
        fusion: str = "rrf",
        rrf_k: int = 60,
        alpha: float = 0.5,
        candidate_k: int = 50,
    ):
        """``resolve(dataset_id)`` returns the dataset's embeddings + vector store (datasets
        are bound to one embedding model; datasets sharing a model share one query vector)."""
        self.keyword_index = keyword_index
        self.resolve = resolve
        self.fusion = fusion
        self.rrf_k = rrf_k
        self.alpha = alpha
        self.candidate_k = candidate_k

    # -- strategies ---------------------------------------------------------------------
    def semantic(self, req: RetrievalRequest, k: int, timings: dict) -> list[ScoredSegment]:
        groups: dict[tuple[str, int], tuple[DatasetBinding, list[str]]] = {}
        for ds in req.dataset_ids:
            b = self.resolve(str(ds))
            key = (b.embeddings.model_id, id(b.vector_store))
            groups.setdefault(key, (b, []))[1].append(str(ds))
        out: list[ScoredSegment] = []
        qcache: dict[str, np.ndarray] = {}
        for (model_id, _), (b, ds_ids) in groups.items():
            t0 = time.perf_counter()
            if model_id not in qcache:
                # ONNX work off the gevent hub, cache and provider I/O on it (no native-thread sockets)
                qcache[model_id] = b.embeddings.embed_queries_cooperative([req.query])[0]
            timings["embed_ms"] = timings.get("embed_ms", 0.0) + (time.perf_counter() - t0) * 1000
            t0 = time.perf_counter()
            flt = SegmentFilter(req.account_id, tuple(ds_ids), req.document_ids)
            calibrate = semantic_calibration(model_id)
            # a scan of a few thousand rows in memory: here, cheaper than the thread hand-off
            search = b.vector_store.search
            found = (search(qcache[model_id], k, flt) if b.vector_store.search_is_small(flt)
                     else run_off_hub(search, qcache[model_id], k, flt))
            out.extend(
                ScoredSegment(s.segment_id, s.document_id, s.dataset_id, calibrate(s.score), {**s.extra, "cosine": s.score})
                for s in found
            )
            timings["vector_ms"] = timings.get("vector_ms", 0.0) + (time.perf_counter() - t0) * 1000
        # calibrated scores are comparable across models (datasets bound to different models)
        out.sort(key=lambda s: (-s.score, s.segment_id))
        return out[:k]

    def full_text(self, req: RetrievalRequest, k: int, timings: dict) -> list[ScoredSegment]:
        t0 = time.perf_counter()
        res = self.keyword_index.search(req.query, k, req.filter())
        timings["keyword_ms"] = (time.perf_counter() - t0) * 1000
        return res

    def retrieve(self, req: RetrievalRequest) -> RetrievalResult:
        if not req.query or not req.query.strip() or not req.dataset_ids or req.k <= 0:
            return RetrievalResult([], 0.0)
        t_start = time.perf_counter()
        timings: dict = {}
        strategy = RetrievalStrategy(req.strategy)
        if strategy is RetrievalStrategy.SEMANTIC:
            hits = [
                RetrievedSegment(s.segment_id, s.document_id, s.dataset_id, s.score, semantic_score=s.score, extra=dict(s.extra))
                for s in self.semantic(req, req.k, timings)
            ]
        elif strategy is RetrievalStrategy.FULL_TEXT:
            hits = [
                RetrievedSegment(s.segment_id, s.document_id, s.dataset_id, s.score, keyword_score=s.score, extra=dict(s.extra))
                for s in self.full_text(req, req.k, timings)
            ]
        else:
            ck = max(self.candidate_k, req.k)
            # both sides release the GIL for most of their work (ONNX Runtime, BLAS, numpy):
            # run the keyword search while the query is embedded and the vectors scanned
            kw_future = _pool().submit(self.full_text, req, ck, timings)
            sem = self.semantic(req, ck, timings)
            hits = self._fuse(sem, kw_future.result(), req.k)
        hits = [h for h in hits if h.score >= req.score_threshold]
        return RetrievalResult(hits, (time.perf_counter() - t_start) * 1000, timings)

    def _fuse(self, sem: Sequence[ScoredSegment], kw: Sequence[ScoredSegment], k: int) -> list[RetrievedSegment]:
        """Merge both candidate lists. The reported score is ``alpha·semantic + (1-alpha)·
        full_text`` of the calibrated scores (a side that did not return the segment counts 0).
        ``weighted`` ranks by that score, so it never increases down the list; ``rrf`` ranks by
        reciprocal rank and reports the running minimum of that score, so a threshold keeps a
        prefix of the ranking (it never drops a hit and keeps a worse-ranked one)."""
        merged: dict[str, RetrievedSegment] = {}
        for rank, s in enumerate(sem):
            merged[s.segment_id] = RetrievedSegment(
                s.segment_id, s.document_id, s.dataset_id, 0.0, semantic_score=s.score, extra={"rrf": 1.0 / (self.rrf_k + rank + 1)}
            )
        for rank, s in enumerate(kw):
            h = merged.get(s.segment_id)
            if h is None:
                h = merged[s.segment_id] = RetrievedSegment(s.segment_id, s.document_id, s.dataset_id, 0.0, extra={"rrf": 0.0})
            h.keyword_score = s.score
            h.extra["rrf"] += 1.0 / (self.rrf_k + rank + 1)
        for h in merged.values():
            h.score = self.alpha * (h.semantic_score or 0.0) + (1 - self.alpha) * (h.keyword_score or 0.0)
        if self.fusion == "weighted":
            return sorted(merged.values(), key=lambda h: (-h.score, -h.extra["rrf"], h.segment_id))[:k]
        ranked = sorted(merged.values(), key=lambda h: (-h.extra["rrf"], -h.score, h.segment_id))[:k]
        floor = 1.0
        for h in ranked:
            h.extra["weighted"] = h.score
            floor = h.score = min(floor, h.score)
        return ranked

from __future__ import annotations

import abc
from collections.abc import Sequence

from internal.core.vector_store.base import ScoredSegment, SegmentFilter, SegmentIndexBase, SegmentRef


class KeywordIndex(SegmentIndexBase):
    """Full-text (BM25) index over segments with the same filters as the vector store."""

    @abc.abstractmethod
    def upsert(self, refs: Sequence[SegmentRef], texts: Sequence[str]) -> None: ...

    @abc.abstractmethod
    def search(self, query: str, k: int, flt: SegmentFilter) -> list[ScoredSegment]:
        """Top-k by BM25. ``score`` is normalised to [0, 1] (BM25 divided by the query's
        upper bound ``sum(idf * (k1 + 1))``), ``extra['bm25']`` holds the raw value."""

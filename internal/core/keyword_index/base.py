from __future__ import annotations

import abc
from collections.abc import Sequence

from internal.core.keyword_index.tokenizer import tokenize
from internal.core.vector_store.base import ScoredSegment, SegmentFilter, SegmentIndexBase, SegmentRef


class KeywordIndex(SegmentIndexBase):
    """Full-text (BM25) index over segments with the same filters as the vector store."""

    def upsert(self, refs: Sequence[SegmentRef], texts: Sequence[str]) -> None:
        if len(refs) != len(texts):
            raise ValueError("refs and texts differ in length")
        self.upsert_tokens(refs, [tokenize(t) for t in texts])

    @abc.abstractmethod
    def upsert_tokens(self, refs: Sequence[SegmentRef], token_lists: Sequence[Sequence[str]]) -> None:
        """Like :meth:`upsert` with the texts already tokenised by :func:`tokenize` (the
        indexing pipeline tokenises once for the segment keywords and the index)."""

    @abc.abstractmethod
    def search(self, query: str, k: int, flt: SegmentFilter) -> list[ScoredSegment]:
        """Top-k by the shared full-text score (:func:`scoring.fulltext_scores`: IDF coverage
        of the query blended with BM25 / its upper bound, in [0, 1]; > 0.5 when every query
        term occurs). ``extra['bm25']`` holds the raw BM25, ``extra['coverage']`` the share of
        the query's IDF mass matched. Every backend reports this same scale."""

"""The one full-text score scale, shared by every keyword backend.

Raw BM25 has no fixed range, and BM25 divided by its query upper bound ``Σ idf·(k1+1)`` keeps
a segment that contains every query word once at about 1/(k1+1) ≈ 0.45: under the console's
default threshold of 0.5. The score blends two parts, each in [0, 1]:

    score = COVERAGE_WEIGHT · coverage + (1 - COVERAGE_WEIGHT) · bm25 / upper

where ``coverage`` is the share of the query's IDF mass whose terms occur in the segment (the
classic coordination factor, weighted by IDF so a rare word counts more than a common one).
A segment holding every query term therefore scores > 0.5 whatever its length; one holding
half of the IDF mass stays near 0.25-0.5. Backends rank by raw BM25 (ranking by this score cost
SciFact 0.012 nDCG@10) and report the running minimum of this score down that ranking, so the
reported score never increases down the list; a full match ranked below a weaker partial
match with a higher BM25 is capped at that match's score (rare: SciFact empty-at-0.5 share
0.88 -> 0.57 with this rule, 0.54 when ranking by the blend).
"""
from __future__ import annotations

import numpy as np

K1, B = 1.2, 0.75
COVERAGE_WEIGHT = 0.5


def fulltext_scores(bm25: np.ndarray, matched_idf: np.ndarray, idf_total: float, k1: float = K1) -> np.ndarray:
    """Vectorised score for rows of one query: raw BM25 and the IDF sum of the query terms
    each row contains (``idf_total`` = the IDF sum of all distinct query terms)."""
    if idf_total <= 0:
        return np.zeros_like(np.asarray(bm25, dtype=np.float64))
    upper = idf_total * (k1 + 1)
    coverage = np.clip(np.asarray(matched_idf, dtype=np.float64) / idf_total, 0.0, 1.0)
    ratio = np.clip(np.asarray(bm25, dtype=np.float64) / upper, 0.0, 1.0)
    return COVERAGE_WEIGHT * coverage + (1 - COVERAGE_WEIGHT) * ratio

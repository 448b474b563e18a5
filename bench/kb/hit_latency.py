"""Hit testing side by side: the retrieval engine in this process vs. the console API
(`POST /datasets/<id>/hit`) of a running server, same dataset, same queries, one run.

Called by ``bench.kb.celery_path`` once its documents are indexed; the difference is what the
API adds on top of retrieval (auth, tenant checks, segment rows, documents, query log,
serialisation, HTTP).
"""
from __future__ import annotations

import os
import statistics
import time

import httpx
import numpy as np

from internal.core.retrievers import RetrievalRequest, RetrievalStrategy


def _timed(fn, repeat: int) -> tuple[float, object]:
    runs, out = [], None
    for _ in range(max(1, repeat)):
        t0 = time.perf_counter()
        out = fn()
        runs.append((time.perf_counter() - t0) * 1000)
    return float(statistics.median(runs)), out


def _pct(xs, p) -> float:
    return float(np.percentile(np.asarray(xs), p)) if xs else float("nan")


def side_by_side(base_url: str, headers: dict, kb, account_id: str, dataset_id: str, model: str,
                 queries: list[str], k: int = 10, score: float = 0.5, repeat: int = 3) -> dict:
    """Per strategy: p50/p95 of the engine and of the API, the per-query difference, and the
    mean number of segments returned (the console's defaults: k up to 10, threshold 0.5)."""
    out: dict = {"queries": len(queries), "k": k, "score_threshold": score, "repeat": repeat}
    with httpx.Client(base_url=base_url, headers=headers, timeout=30) as http:
        for strategy in RetrievalStrategy:
            def engine(q, strategy=strategy):
                return kb.retrieve(RetrievalRequest(q, account_id, (dataset_id,), strategy, k, score), {dataset_id: model})

            def api(q, strategy=strategy):
                r = http.post(f"/datasets/{dataset_id}/hit",
                              json={"query": q, "retrieval_strategy": strategy.value, "k": k, "score": score})
                body = r.json()
                assert r.status_code == 200 and body["code"] == "success", (r.status_code, body)
                return body["data"]

            engine(queries[0]), api(queries[0])  # warm-up (first query per strategy loads shards)
            e_ms, a_ms, diff, n_hits = [], [], [], []
            for q in queries:
                # alternate which side goes first so load drift affects both equally
                if len(e_ms) % 2:
                    a, hits = _timed(lambda q=q: api(q), repeat)
                    e, res = _timed(lambda q=q: engine(q), repeat)
                else:
                    e, res = _timed(lambda q=q: engine(q), repeat)
                    a, hits = _timed(lambda q=q: api(q), repeat)
                assert [h["id"] for h in hits] == [h.segment_id for h in res.segments], "API and engine disagree"
                e_ms.append(e)
                a_ms.append(a)
                diff.append(a - e)
                n_hits.append(len(hits))
            out[strategy.value] = {
                "engine_p50_ms": _pct(e_ms, 50), "engine_p95_ms": _pct(e_ms, 95),
                "api_p50_ms": _pct(a_ms, 50), "api_p95_ms": _pct(a_ms, 95),
                "api_minus_engine_p50_ms": _pct(diff, 50), "api_minus_engine_p95_ms": _pct(diff, 95),
                "mean_segments": statistics.mean(n_hits), "loadavg_1m": os.getloadavg()[0],
            }
            print("hit test", strategy.value, out[strategy.value])
    return out

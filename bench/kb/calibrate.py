"""Fit the semantic score calibration of an embedding model (retrievers/calibration.py).

    python -m bench.kb.calibrate [--model local:all-MiniLM-L6-v2] [--limit N]

For every SciFact test query, the top-10 segments by cosine are split into relevant (qrels) and
non-relevant pairs; the knot that maps to 0.5 is the equal-error cosine, where the share of
relevant pairs below it equals the share of non-relevant pairs above it. Also prints the
cosines of the hand-written English/Chinese fixture (test/fixtures/knowledge/calibration.json),
which tells whether the model can serve a language semantically at all.
"""
from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

import numpy as np

from bench.kb.__main__ import load_scifact
from internal.core.embeddings import LocalMiniLMEmbeddings
from internal.core.indexing import IndexingPipeline
from internal.core.text_splitter import ProcessRule

ROOT = Path(__file__).resolve().parents[2]


def equal_error_cosine(relevant: np.ndarray, other: np.ndarray) -> float:
    grid = np.linspace(0, 1, 1001)
    miss = np.array([(relevant < c).mean() for c in grid])
    false = np.array([(other >= c).mean() for c in grid])
    return float(grid[int(np.argmin(np.abs(miss - false)))])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=os.environ.get("SCIFACT_DIR", str(ROOT.parent / "shared" / "data" / "scifact")))
    ap.add_argument("--limit", type=int, default=0)
    args = ap.parse_args()
    emb = LocalMiniLMEmbeddings(threads=os.cpu_count() or 1)
    print("model", emb.model_id)
    fixture = json.loads((ROOT / "test/fixtures/knowledge/calibration.json").read_text())
    for lang in ("en", "zh"):
        segs = emb.embed_array(fixture[lang]["segments"])
        qs = emb.embed_array([q for q, _ in fixture[lang]["queries"]])
        cos = qs @ segs.T
        rel = np.array([cos[i, j] for i, (_, j) in enumerate(fixture[lang]["queries"])])
        mask = np.ones_like(cos, dtype=bool)
        for i, (_, j) in enumerate(fixture[lang]["queries"]):
            mask[i, j] = False
        print(f"fixture {lang}: relevant cosine min/median {rel.min():.3f}/{np.median(rel):.3f}; "
              f"unrelated max/p90 {cos[mask].max():.3f}/{np.percentile(cos[mask], 90):.3f}")
    corpus, queries, qrels = load_scifact(Path(args.data), args.limit or None)
    pipe, rule = IndexingPipeline(emb, None, None), ProcessRule.automatic()
    texts, docs = [], []
    for cid, text in corpus:
        for p in pipe.split(cid, pipe.parse(text.encode(), "txt"), rule):
            texts.append(p.content)
            docs.append(cid)
    vecs = emb.embed_array(texts)
    qids = list(queries)
    qv = emb.embed_array([queries[q] for q in qids])
    rel, other = [], []
    for qi, q in enumerate(qids):
        cos = vecs @ qv[qi]
        for i in np.argsort(-cos)[:10]:
            (rel if qrels[q].get(docs[i], 0) > 0 else other).append(float(cos[i]))
    rel, other = np.array(rel), np.array(other)
    c50 = equal_error_cosine(rel, other)
    print(f"SciFact top-10 pairs: {len(rel)} relevant (cosine p10/p50 {np.percentile(rel, 10):.3f}/{np.median(rel):.3f}), "
          f"{len(other)} non-relevant (p50/p90 {np.median(other):.3f}/{np.percentile(other, 90):.3f})")
    print(f"equal-error cosine -> 0.5: {c50:.3f}  (knots ((0, 0), ({c50:.2f}, 0.5), (1, 1)))")


if __name__ == "__main__":
    main()

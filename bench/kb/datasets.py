"""Evaluation sets of bench.kb: BEIR SciFact (English, read from shared data) and the Chinese
set committed under test/fixtures/knowledge/zh_retrieval (written for this project: 52 short
passages on varied topics, 55 paraphrased questions with relevance labels)."""
from __future__ import annotations

import csv
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ZH_DIR = ROOT / "test" / "fixtures" / "knowledge" / "zh_retrieval"

Corpus = list[tuple[str, str]]
Queries = dict[str, str]
Qrels = dict[str, dict[str, int]]


def load_scifact(d: Path, limit: int | None, subset: int | None = None) -> tuple[Corpus, Queries, Qrels]:
    """``limit``: the first N abstracts (and the queries they answer). ``subset``: every abstract
    relevant to a test query plus the first other abstracts up to N in all, so all 300 test
    queries stay (a quick, harder-than-random sample for slow models)."""
    corpus = []
    with open(d / "corpus.jsonl") as fh:
        for line in fh:
            r = json.loads(line)
            corpus.append((r["_id"], (r.get("title", "") + "\n\n" + r.get("text", "")).strip()))
    qrels: Qrels = {}
    with open(d / "qrels" / "test.tsv") as fh:
        next(fh)
        for line in fh:
            q, c, s = line.rstrip("\n").split("\t")
            qrels.setdefault(q, {})[c] = int(s)
    if subset:
        relevant = {c for rel in qrels.values() for c in rel}
        others = iter(c for c in corpus if c[0] not in relevant)
        keep = {c for c, _ in corpus if c in relevant}
        while len(keep) < subset:
            keep.add(next(others)[0])
        corpus = [c for c in corpus if c[0] in keep]
    elif limit:
        corpus = corpus[:limit]
    queries = {}
    with open(d / "queries.jsonl") as fh:
        for line in fh:
            r = json.loads(line)
            if r["_id"] in qrels:
                queries[r["_id"]] = r["text"]
    if limit:
        ids = {c for c, _ in corpus}
        qrels = {q: {c: s for c, s in rel.items() if c in ids} for q, rel in qrels.items()}
        qrels = {q: r for q, r in qrels.items() if r}
        queries = {q: t for q, t in queries.items() if q in qrels}
    return corpus, queries, qrels


def load_zh(d: Path = ZH_DIR) -> tuple[Corpus, Queries, Qrels]:
    with open(d / "passages.tsv", newline="") as fh:
        corpus = [(r["id"], r["text"]) for r in csv.DictReader(fh, delimiter="\t")]
    queries: Queries = {}
    qrels: Qrels = {}
    with open(d / "queries.tsv", newline="") as fh:
        for r in csv.DictReader(fh, delimiter="\t"):
            queries[r["id"]] = r["text"]
            qrels[r["id"]] = {p: 1 for p in r["relevant"].split(",")}
    return corpus, queries, qrels

"""Indexing pipeline: extract -> clean -> split -> embed -> store vectors + keywords.

Pure engine code: callers (the Celery task via the indexing service) own statuses and the
database. Everything is deterministic so re-running a document after a crash yields the same
segments: segment ids are ``uuid5(document_id, position:content_hash)``, stores upsert by id
and a document's previous rows are dropped before its new rows are published.
"""
from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from internal.core.embeddings.base import Embeddings
from internal.core.file_extractor import extract_bytes
from internal.core.keyword_index.base import KeywordIndex
from internal.core.keyword_index.tokenizer import tokenize
from internal.core.text_splitter import ProcessRule, SplitBudgetExceeded, split_document, token_counter_for
from internal.core.vector_store.base import SegmentRef, VectorStore


@dataclass
class PreparedSegment:
    segment_id: str
    position: int
    content: str
    hash: str
    token_count: int
    keywords: list[str] = field(default_factory=list)
    tokens: list[str] = field(default_factory=list, repr=False)  # BM25 terms, reused by index()

    @property
    def character_count(self) -> int:
        return len(self.content)


@dataclass
class SegmentToIndex:
    segment_id: str
    document_id: str
    content: str
    enabled: bool = True
    tokens: Sequence[str] | None = None  # BM25 terms when already computed (split())


def segment_id_for(document_id: str, position: int, content_hash: str) -> str:
    return str(uuid.uuid5(uuid.UUID(str(document_id)) if _is_uuid(document_id) else uuid.NAMESPACE_URL, f"{document_id}:{position}:{content_hash}"))


def _is_uuid(v: str) -> bool:
    try:
        uuid.UUID(str(v))
        return True
    except ValueError:
        return False


def top_keywords(tokens: Sequence[str], n: int = 10) -> list[str]:
    """Most frequent index terms of a segment (shown in the console as the segment's keywords)."""
    counts: dict[str, int] = {}
    for t in tokens:
        if len(t) > 1:
            counts[t] = counts.get(t, 0) + 1
    return [t for t, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:n]]


class IndexingPipeline:
    def __init__(self, embeddings: Embeddings, vector_store: VectorStore, keyword_index: KeywordIndex):
        self.embeddings = embeddings
        self.vector_store = vector_store
        self.keyword_index = keyword_index
        self.counter = token_counter_for(embeddings)

    # -- stages -------------------------------------------------------------------------
    def parse(self, data: bytes, extension: str) -> str:
        return extract_bytes(data, extension).text

    def split(self, document_id: str, text: str, rule: ProcessRule, time_budget: float | None = None) -> list[PreparedSegment]:
        """``time_budget`` (seconds) bounds splitting AND keyword extraction: SplitBudgetExceeded past it."""
        started = time.monotonic()
        chunks = split_document(text, rule, self.counter, max_tokens=self.embeddings.max_input_tokens - 2,
                                time_budget=time_budget)
        out = []
        for c in chunks:
            if time_budget and time.monotonic() - started > time_budget:
                raise SplitBudgetExceeded(f"splitting the document took longer than {time_budget:g} seconds; "
                                          "split the file into smaller documents")
            toks = tokenize(c.content)
            out.append(
                PreparedSegment(
                    segment_id_for(document_id, c.position, c.hash), c.position, c.content, c.hash, c.token_count, top_keywords(toks), toks
                )
            )
        return out

    def index(
        self,
        account_id: str,
        dataset_id: str,
        segments: Sequence[SegmentToIndex],
        document_enabled: Callable[[str], bool] | bool = True,
        replace_documents: Sequence[str] = (),
        vectors: np.ndarray | None = None,
    ) -> dict:
        """Embed ``segments`` (batched, cache-aware) and publish them to both stores.
        ``replace_documents``: documents whose previous rows are removed first (re-index)."""
        timings = {}
        t0 = time.perf_counter()
        if vectors is None:
            vectors = self.embeddings.embed_array([s.content for s in segments])
        timings["embed_s"] = time.perf_counter() - t0
        doc_enabled = document_enabled if callable(document_enabled) else (lambda _d, v=document_enabled: v)
        refs = [SegmentRef(s.segment_id, s.document_id, dataset_id, account_id, s.enabled, doc_enabled(s.document_id)) for s in segments]
        t0 = time.perf_counter()
        if replace_documents:
            self.vector_store.delete_documents(dataset_id, list(replace_documents))
            self.keyword_index.delete_documents(dataset_id, list(replace_documents))
        if refs:
            self.vector_store.upsert(refs, vectors)
            self.keyword_index.upsert_tokens(refs, [tokenize(s.content) if s.tokens is None else s.tokens for s in segments])
        timings["store_s"] = time.perf_counter() - t0
        return timings

    # -- convenience: whole pipeline for a batch of documents ---------------------------------
    def run(self, account_id: str, dataset_id: str, docs: Sequence[tuple[str, bytes, str, ProcessRule]]) -> dict[str, list[PreparedSegment]]:
        """Index several documents of one dataset in one batch: (document_id, data, extension, rule)."""
        prepared: dict[str, list[PreparedSegment]] = {}
        for document_id, data, ext, rule in docs:
            prepared[document_id] = self.split(document_id, self.parse(data, ext), rule)
        segs = [SegmentToIndex(p.segment_id, d, p.content, tokens=p.tokens) for d, ps in prepared.items() for p in ps]
        self.index(account_id, dataset_id, segs, replace_documents=list(prepared))
        return prepared

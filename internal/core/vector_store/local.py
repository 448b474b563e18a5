"""Embedded default vector store: exact (brute-force) cosine search over contiguous float32
matrices, one shard per dataset (see ``shards.py`` for the on-disk/multi-process design).

Exact search keeps recall at 100% and, at 384 dimensions, scans 100k vectors in a few
milliseconds on two cores (one BLAS mat-vec). Vector files are memory-mapped, so the web and
worker processes share the page cache instead of each holding a copy.
"""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .base import ScoredSegment, SegmentFilter, SegmentRef, VectorStore
from .shards import Part, ShardedStore


class LocalVectorStore(ShardedStore, VectorStore):
    payload_suffixes = ("vec.npy",)

    def __init__(self, root: str | Path, dimension: int, fsync: bool = True):
        super().__init__(root, fsync=fsync)
        self.dimension = int(dimension)

    def _write_payload(self, directory: Path, name: str, payload: dict) -> None:
        from .shards import _atomic_save

        _atomic_save(directory / f"{name}.vec.npy", np.ascontiguousarray(payload["vectors"], dtype=np.float32), self.fsync)

    def _load_payload(self, directory: Path, name: str) -> dict:
        return {"vectors": np.load(directory / f"{name}.vec.npy", mmap_mode="r")}

    def _merge_payloads(self, parts):
        vecs = [np.asarray(p.payload["vectors"])[m] for p, m in parts]
        return {"vectors": np.concatenate(vecs) if vecs else np.zeros((0, self.dimension), np.float32)}

    def upsert(self, refs: Sequence[SegmentRef], vectors: np.ndarray) -> None:
        if not refs:
            return
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if vectors.shape != (len(refs), self.dimension):
            raise ValueError(f"expected vectors of shape ({len(refs)}, {self.dimension}), got {vectors.shape}")
        by_ds: dict[tuple[str, str], list[int]] = {}
        for i, r in enumerate(refs):
            by_ds.setdefault((str(r.dataset_id), str(r.account_id)), []).append(i)
        for (ds, acct), idx in by_ds.items():
            self._append(ds, acct, [refs[i] for i in idx], {"vectors": vectors[idx]})

    def search(self, vector: np.ndarray, k: int, flt: SegmentFilter) -> list[ScoredSegment]:
        q = np.ascontiguousarray(np.asarray(vector, dtype=np.float32).reshape(-1))
        if q.shape[0] != self.dimension:
            raise ValueError("query vector has the wrong dimension")
        if k <= 0:
            return []
        cands: list[tuple[float, str, str, str]] = []
        for shard in self.shards_for(flt.account_id, flt.dataset_ids):
            for part in shard.parts:
                cands.extend(self._search_part(part, shard.dataset_id, q, k, flt))
        cands.sort(key=lambda c: (-c[0], c[1]))
        return [ScoredSegment(seg, doc, ds, float(s)) for s, seg, doc, ds in cands[:k]]

    @staticmethod
    def _search_part(part: Part, dataset_id: str, q: np.ndarray, k: int, flt: SegmentFilter):
        if part.rows == 0:
            return []
        mask = part.row_mask(flt.document_ids, flt.include_disabled)
        n_ok = int(mask.sum())
        if n_ok == 0:
            return []
        vecs = part.payload["vectors"]
        if n_ok < part.rows // 4:
            rows = np.flatnonzero(mask)
            scores = vecs[rows] @ q
        else:
            rows = None
            scores = vecs @ q
            scores[~mask] = -np.inf
        kk = min(k, n_ok)
        top = np.argpartition(-scores, kk - 1)[:kk] if kk < len(scores) else np.arange(len(scores))
        top = top[np.isfinite(scores[top])]
        out = []
        for t in top:
            r = int(rows[t]) if rows is not None else int(t)
            out.append((float(scores[t]), str(part.ids[r]), str(part.docs[part.doc_idx[r]]), dataset_id))
        return out

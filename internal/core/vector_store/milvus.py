"""Milvus vector store via pymilvus (Milvus server/cluster, or Milvus Lite with a local file URI).

One collection per vector space (embedding model), with scalar fields used for filtering
inside Milvus: ``account_id``, ``dataset_id``, ``document_id``, ``enabled``,
``document_enabled``. Every search expression always contains the tenant and dataset terms.
"""
from __future__ import annotations

import json
import re
from collections.abc import Sequence

import numpy as np

from .base import ScoredSegment, SegmentFilter, SegmentRef, VectorStore

_SAFE = re.compile(r"[^A-Za-z0-9_]")


def _lit(v: str) -> str:
    return json.dumps(str(v))  # a double-quoted, escaped string literal


def _in(field: str, values: Sequence[str]) -> str:
    return f"{field} in [{', '.join(_lit(v) for v in values)}]"


class MilvusVectorStore(VectorStore):
    def __init__(self, uri: str, collection: str, dimension: int, token: str = "", db_name: str = "", client=None):
        from pymilvus import MilvusClient

        self.dimension = int(dimension)
        self.collection = _SAFE.sub("_", collection)[:255]
        kwargs = {"uri": uri}
        if token:
            kwargs["token"] = token
        if db_name:
            kwargs["db_name"] = db_name
        self.client = client or MilvusClient(**kwargs)
        self._ensure_collection()

    def _ensure_collection(self) -> None:
        from pymilvus import DataType, MilvusClient

        if self.client.has_collection(self.collection):
            return
        schema = MilvusClient.create_schema(auto_id=False, enable_dynamic_field=False)
        schema.add_field("id", DataType.VARCHAR, is_primary=True, max_length=64)
        schema.add_field("account_id", DataType.VARCHAR, max_length=64)
        schema.add_field("dataset_id", DataType.VARCHAR, max_length=64)
        schema.add_field("document_id", DataType.VARCHAR, max_length=64)
        schema.add_field("enabled", DataType.BOOL)
        schema.add_field("document_enabled", DataType.BOOL)
        schema.add_field("vector", DataType.FLOAT_VECTOR, dim=self.dimension)
        index = self.client.prepare_index_params()
        index.add_index(field_name="vector", index_type="AUTOINDEX", metric_type="IP")
        self.client.create_collection(self.collection, schema=schema, index_params=index)

    # -- writes -------------------------------------------------------------------------------
    def upsert(self, refs: Sequence[SegmentRef], vectors: np.ndarray) -> None:
        if not refs:
            return
        vectors = np.asarray(vectors, dtype=np.float32)
        if vectors.shape != (len(refs), self.dimension):
            raise ValueError("vectors have the wrong shape")
        rows = [
            {
                "id": str(r.segment_id),
                "account_id": str(r.account_id),
                "dataset_id": str(r.dataset_id),
                "document_id": str(r.document_id),
                "enabled": bool(r.enabled),
                "document_enabled": bool(r.document_enabled),
                "vector": v.tolist(),
            }
            for r, v in zip(refs, vectors, strict=False)
        ]
        for i in range(0, len(rows), 1000):
            self.client.upsert(self.collection, rows[i : i + 1000])

    def _delete(self, expr: str) -> None:
        self.client.delete(self.collection, filter=expr)

    def delete_segments(self, dataset_id, segment_ids):
        if segment_ids:
            self._delete(f"dataset_id == {_lit(dataset_id)} and {_in('id', segment_ids)}")

    def delete_documents(self, dataset_id, document_ids):
        if document_ids:
            self._delete(f"dataset_id == {_lit(dataset_id)} and {_in('document_id', document_ids)}")

    def delete_dataset(self, dataset_id):
        self._delete(f"dataset_id == {_lit(dataset_id)}")

    def _rewrite(self, expr: str, **changes) -> None:
        """Milvus cannot update scalars in place: read the rows still needing the change and
        upsert them back (vectors included), page by page."""
        expr = expr + _changed_guard(changes)
        for _ in range(10_000):
            rows = self.client.query(self.collection, filter=expr, output_fields=["*"], limit=4096)
            if not rows:
                return
            for r in rows:
                r.update(changes)
                r["vector"] = [float(x) for x in r["vector"]]
            self.client.upsert(self.collection, rows)

    def set_segments_enabled(self, dataset_id, segment_ids, enabled):
        if segment_ids:
            self._rewrite(f"dataset_id == {_lit(dataset_id)} and {_in('id', segment_ids)}", enabled=bool(enabled))

    def set_document_enabled(self, dataset_id, document_id, enabled):
        self._rewrite(
            f"dataset_id == {_lit(dataset_id)} and document_id == {_lit(document_id)}", document_enabled=bool(enabled)
        )

    # -- reads --------------------------------------------------------------------------------
    @staticmethod
    def filter_expr(flt: SegmentFilter) -> str:
        parts = [f"account_id == {_lit(flt.account_id)}", _in("dataset_id", flt.dataset_ids)]
        if flt.document_ids is not None:
            parts.append(_in("document_id", flt.document_ids) if flt.document_ids else "id == \"\"")
        if not flt.include_disabled:
            parts.append("enabled == true and document_enabled == true")
        return " and ".join(parts)

    def search(self, vector, k, flt):
        if k <= 0 or not flt.dataset_ids:
            return []
        q = np.asarray(vector, dtype=np.float32).reshape(-1).tolist()
        res = self.client.search(
            self.collection,
            data=[q],
            limit=int(k),
            filter=self.filter_expr(flt),
            output_fields=["document_id", "dataset_id"],
            search_params={"metric_type": "IP"},
        )
        out = []
        for hit in res[0] if res else []:
            ent = hit.get("entity", {})
            out.append(ScoredSegment(str(hit["id"]), ent.get("document_id", ""), ent.get("dataset_id", ""), float(hit["distance"])))
        return out

    def count(self, flt):
        if not flt.dataset_ids:
            return 0
        res = self.client.query(self.collection, filter=self.filter_expr(flt), output_fields=["count(*)"])
        return int(res[0]["count(*)"]) if res else 0


def _changed_guard(changes: dict) -> str:
    return "".join(f" and {k} != {'true' if v else 'false'}" for k, v in changes.items())

"""The knowledge-base engine facade used by the services: one object that knows, per
embedding model (vector space), the embeddings, the vector store and the indexing pipeline,
plus the shared keyword index and retrieval engine. Built once in the composition root."""
from __future__ import annotations

import threading
from collections.abc import Callable, Sequence

import numpy as np

from internal.core.embeddings.base import Embeddings
from internal.core.keyword_index.base import KeywordIndex
from internal.core.retrievers.engine import DatasetBinding, RetrievalEngine, RetrievalRequest, RetrievalResult
from internal.core.vector_store.base import SegmentRef, VectorStore

from .pipeline import IndexingPipeline


class UnknownEmbeddingModel(LookupError):
    pass


class KnowledgeBase:
    def __init__(
        self,
        default_model: str,
        embeddings_factory: Callable[[str], Embeddings],
        vector_store_factory: Callable[[str, int], VectorStore],
        keyword_index: KeywordIndex,
        models: Sequence[str] = (),
    ):
        self.default_model = default_model
        #: the embedding models a dataset may be switched to (the default is always one)
        self.models: tuple[str, ...] = tuple(dict.fromkeys((default_model, *models)))
        self._emb_factory = embeddings_factory
        self._vs_factory = vector_store_factory
        self.keyword_index = keyword_index
        self._lock = threading.Lock()
        self._emb: dict[str, Embeddings] = {}
        self._vs: dict[str, VectorStore] = {}
        self._pipes: dict[str, IndexingPipeline] = {}

    def embeddings(self, model_id: str) -> Embeddings:
        with self._lock:
            if model_id not in self._emb:
                self._emb[model_id] = self._emb_factory(model_id)
            return self._emb[model_id]

    def vector_store(self, model_id: str) -> VectorStore:
        emb = self.embeddings(model_id)
        with self._lock:
            if model_id not in self._vs:
                self._vs[model_id] = self._vs_factory(model_id, emb.dimension)
            return self._vs[model_id]

    def pipeline(self, model_id: str) -> IndexingPipeline:
        vs = self.vector_store(model_id)
        with self._lock:
            if model_id not in self._pipes:
                self._pipes[model_id] = IndexingPipeline(self._emb[model_id], vs, self.keyword_index)
            return self._pipes[model_id]

    def engine(self, dataset_models: dict[str, str], **kwargs) -> RetrievalEngine:
        def resolve(dataset_id: str) -> DatasetBinding:
            model_id = dataset_models[str(dataset_id)]
            return DatasetBinding(self.embeddings(model_id), self.vector_store(model_id))

        return RetrievalEngine(self.keyword_index, resolve, **kwargs)

    def retrieve(self, req: RetrievalRequest, dataset_models: dict[str, str]) -> RetrievalResult:
        return self.engine(dataset_models).retrieve(req)

    # -- re-embedding (the dataset's embedding model changed) ------------------------------------
    def reembed(self, model_id: str, refs: Sequence[SegmentRef], texts: Sequence[str]) -> None:
        """Publish vectors of existing segments in ``model_id``'s space (the BM25 postings do not
        depend on the model and stay as they are). Idempotent: the store upserts by id."""
        if refs:
            vecs = self.embeddings(model_id).embed_array(list(texts))
            self.vector_store(model_id).upsert(list(refs), np.ascontiguousarray(vecs, dtype=np.float32))

    def delete_dataset_vectors(self, dataset_id: str, model_id: str) -> None:
        """Drop a dataset's vectors from one model's space only (the keyword index is shared)."""
        self.vector_store(model_id).delete_dataset(str(dataset_id))

    # -- index maintenance (all stores of a dataset) ------------------------------------------
    def delete_dataset(self, dataset_id: str, model_id: str) -> None:
        self.vector_store(model_id).delete_dataset(str(dataset_id))
        self.keyword_index.delete_dataset(str(dataset_id))

    def delete_documents(self, dataset_id: str, model_id: str, document_ids: list[str]) -> None:
        self.vector_store(model_id).delete_documents(str(dataset_id), document_ids)
        self.keyword_index.delete_documents(str(dataset_id), document_ids)

    def delete_segments(self, dataset_id: str, model_id: str, segment_ids: list[str]) -> None:
        self.vector_store(model_id).delete_segments(str(dataset_id), segment_ids)
        self.keyword_index.delete_segments(str(dataset_id), segment_ids)

    def set_document_enabled(self, dataset_id: str, model_id: str, document_id: str, enabled: bool) -> None:
        self.vector_store(model_id).set_document_enabled(str(dataset_id), str(document_id), enabled)
        self.keyword_index.set_document_enabled(str(dataset_id), str(document_id), enabled)

    def set_segments_enabled(self, dataset_id: str, model_id: str, segment_ids: list[str], enabled: bool) -> None:
        self.vector_store(model_id).set_segments_enabled(str(dataset_id), segment_ids, enabled)
        self.keyword_index.set_segments_enabled(str(dataset_id), segment_ids, enabled)

"""Vector store interface. Filtering by tenant, dataset, document and enabled flags happens
inside the store (before top-k), never on the caller's side."""
from __future__ import annotations

import abc
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class SegmentFilter:
    """Which segments a query may see. ``account_id`` and ``dataset_ids`` are mandatory;
    ``document_ids`` narrows further; disabled segments/documents are excluded unless
    ``include_disabled``."""

    account_id: str
    dataset_ids: tuple[str, ...]
    document_ids: tuple[str, ...] | None = None
    include_disabled: bool = False

    def __post_init__(self):
        if not self.account_id:
            raise ValueError("account_id is required")
        object.__setattr__(self, "dataset_ids", tuple(str(d) for d in self.dataset_ids))
        if self.document_ids is not None:
            object.__setattr__(self, "document_ids", tuple(str(d) for d in self.document_ids))


@dataclass(frozen=True)
class SegmentRef:
    """Identity + flags of one indexed segment."""

    segment_id: str
    document_id: str
    dataset_id: str
    account_id: str
    enabled: bool = True
    document_enabled: bool = True


@dataclass(frozen=True)
class ScoredSegment:
    segment_id: str
    document_id: str
    dataset_id: str
    score: float
    extra: dict = field(default_factory=dict, compare=False)


class SegmentIndexBase(abc.ABC):
    """Mutations shared by the vector store and the keyword index."""

    @abc.abstractmethod
    def delete_segments(self, dataset_id: str, segment_ids: Sequence[str]) -> None: ...

    @abc.abstractmethod
    def delete_documents(self, dataset_id: str, document_ids: Sequence[str]) -> None: ...

    @abc.abstractmethod
    def delete_dataset(self, dataset_id: str) -> None: ...

    @abc.abstractmethod
    def set_segments_enabled(self, dataset_id: str, segment_ids: Sequence[str], enabled: bool) -> None: ...

    @abc.abstractmethod
    def set_document_enabled(self, dataset_id: str, document_id: str, enabled: bool) -> None: ...

    @abc.abstractmethod
    def count(self, flt: SegmentFilter) -> int: ...


class VectorStore(SegmentIndexBase):
    dimension: int

    @abc.abstractmethod
    def upsert(self, refs: Sequence[SegmentRef], vectors: np.ndarray) -> None:
        """Insert or replace (by segment_id) rows; ``vectors`` is (n, dimension) float32, L2-normalised."""

    @abc.abstractmethod
    def search(self, vector: np.ndarray, k: int, flt: SegmentFilter) -> list[ScoredSegment]:
        """Top-k by cosine similarity among segments matching ``flt``; score in [-1, 1]."""

    def search_is_small(self, flt: SegmentFilter) -> bool:
        """True when ``search`` for ``flt`` is an in-memory scan so small that running it on the
        calling thread (under gevent: the hub) costs less than handing it to a native thread.
        Default: never (a remote store, or one whose size is unknown)."""
        return False

from .base import ScoredSegment, SegmentFilter, SegmentIndexBase, SegmentRef, VectorStore
from .local import LocalVectorStore

__all__ = ["LocalVectorStore", "ScoredSegment", "SegmentFilter", "SegmentIndexBase", "SegmentRef", "VectorStore"]


def __getattr__(name):  # MilvusVectorStore imports pymilvus lazily
    if name == "MilvusVectorStore":
        from .milvus import MilvusVectorStore

        return MilvusVectorStore
    raise AttributeError(name)

from .pipeline import IndexingPipeline, PreparedSegment, SegmentToIndex, segment_id_for, top_keywords

__all__ = ["IndexingPipeline", "PreparedSegment", "SegmentToIndex", "segment_id_for", "top_keywords"]
from .knowledge_base import KnowledgeBase, UnknownEmbeddingModel  # noqa: E402

__all__ += ["KnowledgeBase", "UnknownEmbeddingModel"]

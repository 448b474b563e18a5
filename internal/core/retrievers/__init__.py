from .engine import (
    DatasetBinding,
    RetrievalEngine,
    RetrievalRequest,
    RetrievalResult,
    RetrievalStrategy,
    RetrievedSegment,
)
from .langchain_adapter import DatasetRetrievalTool, EngineRetriever, SegmentLoader

__all__ = [
    "DatasetBinding",
    "DatasetRetrievalTool",
    "EngineRetriever",
    "RetrievalEngine",
    "RetrievalRequest",
    "RetrievalResult",
    "RetrievalStrategy",
    "RetrievedSegment",
    "SegmentLoader",
]

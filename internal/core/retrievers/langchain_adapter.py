"""LangChain adapters over :class:`RetrievalEngine`, for agents (dataset tool) and workflows
(knowledge retrieval node)."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from langchain_core.tools import BaseTool
from pydantic import BaseModel, ConfigDict, Field

from .engine import RetrievalEngine, RetrievalRequest, RetrievalStrategy, RetrievedSegment

#: ``load(segment_ids) -> {segment_id: {"content": str, **metadata}}``; the service layer
#: provides it (reads segment rows and records hit counts), tests pass a dict lookup.
SegmentLoader = Callable[[Sequence[str]], dict[str, dict]]


class EngineRetriever(BaseRetriever):
    model_config = ConfigDict(arbitrary_types_allowed=True)

    engine: Any
    load_segments: Any
    account_id: str
    dataset_ids: list[str]
    strategy: RetrievalStrategy = RetrievalStrategy.SEMANTIC
    k: int = 4
    score_threshold: float = 0.0

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        engine: RetrievalEngine = self.engine
        result = engine.retrieve(
            RetrievalRequest(
                query=query,
                account_id=self.account_id,
                dataset_ids=tuple(self.dataset_ids),
                strategy=self.strategy,
                k=self.k,
                score_threshold=self.score_threshold,
            )
        )
        rows = self.load_segments([h.segment_id for h in result.segments]) if result.segments else {}
        docs = []
        for h in result.segments:
            row = rows.get(h.segment_id)
            if row is None:  # deleted between search and load
                continue
            meta = {k: v for k, v in row.items() if k != "content"}
            meta.update(_hit_meta(h))
            docs.append(Document(page_content=row["content"], metadata=meta))
        return docs


def _hit_meta(h: RetrievedSegment) -> dict:
    return {
        "segment_id": h.segment_id,
        "document_id": h.document_id,
        "dataset_id": h.dataset_id,
        "score": h.score,
        "semantic_score": h.semantic_score,
        "keyword_score": h.keyword_score,
    }


class _DatasetToolInput(BaseModel):
    query: str = Field(description="the search query, in the user's language")


class DatasetRetrievalTool(BaseTool):
    """Tool form of the retriever: returns the matching segments joined as plain text."""

    name: str = "dataset_retrieval"
    description: str = "Search the knowledge base for passages relevant to the query."
    args_schema: type[BaseModel] = _DatasetToolInput
    retriever: EngineRetriever

    def _run(self, query: str, **kwargs: Any) -> str:
        docs = self.retriever.invoke(query)
        return "\n\n".join(d.page_content for d in docs)

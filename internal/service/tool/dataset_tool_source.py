"""ToolType.DATASET: knowledge-base retrieval as a tool (`dataset_retrieval`, inputs {query}) over
the existing retrieval entry point, with every dataset id tenant-checked when resolving."""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from injector import inject

from internal.core.tools.base import Deadline, Tool, ToolCallContext, ToolError, ToolLimits, ToolNotFoundError, ToolRef
from internal.entity.dataset_entity import RetrievalSource
from internal.exception import CustomException, NotFoundException
from internal.service.dataset_service import DatasetService

DATASET_TOOL_NAME = "dataset_retrieval"
_SCHEMA = {"type": "object", "additionalProperties": False, "required": ["query"],
           "properties": {"query": {"type": "string", "minLength": 1, "maxLength": 2000,
                                    "description": "What to look up in the knowledge base"}}}
_STRATEGIES = ("semantic", "full_text", "hybrid")


class DatasetRetrievalTool(Tool):
    def __init__(self, service: DatasetService, account_id: uuid.UUID, dataset_ids: list[uuid.UUID], strategy: str,
                 k: int, score: float, description: str, limits: ToolLimits) -> None:
        super().__init__(DATASET_TOOL_NAME, description, _SCHEMA, limits)
        self.service, self.account_id, self.dataset_ids = service, account_id, dataset_ids
        self.strategy, self.k, self.score = strategy, k, score

    def _run(self, arguments: dict[str, Any], deadline: Deadline) -> Any:
        try:
            hits = self.service.retrieve(self.account_id, self.dataset_ids, arguments["query"], self.strategy, self.k,
                                         self.score, source=RetrievalSource.APP.value)
        except CustomException as e:
            raise ToolError(e.message) from None
        if not hits:
            return "no relevant content found in the knowledge base"
        return "\n\n".join(segment.content for segment, _ in hits)


@inject
@dataclass
class DatasetToolSource:
    datasets: DatasetService

    def resolve(self, ref: ToolRef, ctx: ToolCallContext, limits: ToolLimits) -> Tool:
        ids = [ref.provider_id, *[str(x) for x in ref.params.get("dataset_ids") or []]]
        try:
            datasets = [self.datasets.get_dataset(ctx.account_id, i) for i in dict.fromkeys(ids)]
        except NotFoundException:
            raise ToolNotFoundError("dataset not found") from None
        strategy = str(ref.params.get("retrieval_strategy") or "semantic")
        if strategy not in _STRATEGIES:
            raise ToolError(f"retrieval_strategy must be one of {', '.join(_STRATEGIES)}")
        try:
            k = int(ref.params.get("k", 4))
            score = float(ref.params.get("score", 0.0))
        except (TypeError, ValueError):
            raise ToolError("k must be an integer and score a number") from None
        if not (1 <= k <= 10) or not (0.0 <= score <= 1.0):
            raise ToolError("k must be 1-10 and score 0-1")
        names = ", ".join(d.name for d in datasets)
        description = (f"Search the knowledge base ({names}) and return the most relevant passages. "
                       "Use it when the question may be answered by these documents.")
        return DatasetRetrievalTool(self.datasets, ctx.account_id, [d.id for d in datasets], strategy, k, score,
                                    description, limits)

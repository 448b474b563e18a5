"""Dataset retrieval as an agent tool (its steps stream as `dataset_retrieval` events).

`retrieve(query)` is given by the caller: usually `EngineRetriever.invoke` from
internal/core/retrievers, already scoped to the app's datasets and account by the service.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from internal.core.tools.base import Deadline, Tool, ToolError, ToolLimits

from .entities import DATASET_RETRIEVAL_TOOL

_SCHEMA = {"type": "object", "properties": {"query": {
    "type": "string", "minLength": 1, "description": "the search query, in the user's language"}},
    "required": ["query"], "additionalProperties": False}


class DatasetRetrievalTool(Tool):
    def __init__(self, retrieve: Callable[[str], Sequence[Any]], *, name: str = DATASET_RETRIEVAL_TOOL,
                 description: str = "Search the app's knowledge base for passages relevant to the query.",
                 limits: ToolLimits | None = None) -> None:
        super().__init__(name, description, _SCHEMA, limits)
        self._retrieve = retrieve

    def _run(self, arguments: dict[str, Any], deadline: Deadline) -> Any:
        try:
            docs = self._retrieve(arguments["query"])
        except ToolError:
            raise
        except Exception as exc:  # the retrieval engine's own errors are not for the model
            raise ToolError("the knowledge base search failed") from exc
        texts = [getattr(d, "page_content", None) or (d.get("content") if isinstance(d, dict) else str(d))
                 for d in docs]
        return "\n\n".join(t for t in texts if t) or "no relevant passages found"

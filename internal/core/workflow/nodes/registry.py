"""Node type → executor."""
from __future__ import annotations

from ..entities.node_type import NodeType
from .base import Executor
from .containers import run_iteration, run_loop
from .external import run_code, run_dataset_retrieval, run_http_request, run_tool
from .list_operator import run_list_operator
from .llm import run_classifier, run_extractor, run_llm
from .simple import run_aggregator, run_if_else, run_passthrough, run_start, run_template

EXECUTORS: dict[str, Executor] = {
    NodeType.START: run_start,
    NodeType.END: run_passthrough,
    NodeType.LLM: run_llm,
    NodeType.TOOL: run_tool,
    NodeType.DATASET_RETRIEVAL: run_dataset_retrieval,
    NodeType.TEMPLATE_TRANSFORM: run_template,
    NodeType.HTTP_REQUEST: run_http_request,
    NodeType.CODE: run_code,
    NodeType.IF_ELSE: run_if_else,
    NodeType.QUESTION_CLASSIFIER: run_classifier,
    NodeType.PARAMETER_EXTRACTOR: run_extractor,
    NodeType.VARIABLE_ASSIGNER: run_passthrough,
    NodeType.VARIABLE_AGGREGATOR: run_aggregator,
    NodeType.ITERATION: run_iteration,
    NodeType.LOOP: run_loop,
    NodeType.LIST_OPERATOR: run_list_operator,
}

# Nodes whose references may point at nodes that did not run (the aggregator picks the branch that did).
LENIENT_INPUTS = frozenset({NodeType.VARIABLE_AGGREGATOR})

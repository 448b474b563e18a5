from __future__ import annotations

from enum import StrEnum


class NodeType(StrEnum):
    START = "start"
    END = "end"
    LLM = "llm"
    TOOL = "tool"
    DATASET_RETRIEVAL = "dataset_retrieval"
    TEMPLATE_TRANSFORM = "template_transform"
    HTTP_REQUEST = "http_request"
    CODE = "code"
    IF_ELSE = "if_else"
    QUESTION_CLASSIFIER = "question_classifier"
    PARAMETER_EXTRACTOR = "parameter_extractor"
    VARIABLE_ASSIGNER = "variable_assigner"
    VARIABLE_AGGREGATOR = "variable_aggregator"
    ITERATION = "iteration"
    LOOP = "loop"
    LIST_OPERATOR = "list_operator"


# Nodes whose outgoing edges are chosen by `source_handle_id` (a case id / class id).
BRANCHING_TYPES = frozenset({NodeType.IF_ELSE, NodeType.QUESTION_CLASSIFIER})
# Nodes that hold a sub-graph (`body`) run once per item / per turn.
CONTAINER_TYPES = frozenset({NodeType.ITERATION, NodeType.LOOP})

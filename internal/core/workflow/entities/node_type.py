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
# Nodes that compute from their inputs only — no I/O, no side effects, no waiting — so running
# one again after a crash gives the same outputs and costs nothing: a store may hold back their
# records until the run next waits for something (ports.CheckpointStore.flush).
PURE_TYPES = frozenset({NodeType.START, NodeType.END, NodeType.TEMPLATE_TRANSFORM, NodeType.IF_ELSE,
                        NodeType.VARIABLE_ASSIGNER, NodeType.VARIABLE_AGGREGATOR, NodeType.LIST_OPERATOR})

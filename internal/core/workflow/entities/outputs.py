"""What each node type produces (name → type): the variables downstream nodes may reference.
Fixed for most types (the course's llm → output, tool → text, ...), declared by the user for
code, end, parameter extractor, iteration and loop."""
from __future__ import annotations

from .node_type import NodeType
from .nodes import BaseNode
from .variables import VariableType

S, INT = VariableType.STRING, VariableType.INT

FIXED_OUTPUTS: dict[str, dict[str, VariableType]] = {
    NodeType.LLM: {"output": S},
    NodeType.TOOL: {"text": S},
    NodeType.DATASET_RETRIEVAL: {"combine_documents": S},
    NodeType.TEMPLATE_TRANSFORM: {"output": S},
    NodeType.HTTP_REQUEST: {"status_code": INT, "text": S},
    NodeType.IF_ELSE: {},
    NodeType.QUESTION_CLASSIFIER: {"class_name": S},
}


def list_element_type(node: BaseNode) -> VariableType:
    """The item type of a list operator's / iteration's `items` input."""
    for var in node.inputs:
        if var.name == "items":
            return var.type.element
    return VariableType.OBJECT


def produced_outputs(node: BaseNode) -> dict[str, VariableType]:
    fixed = FIXED_OUTPUTS.get(node.node_type)
    if fixed is not None:
        return fixed
    if node.node_type == NodeType.START:
        return {v.name: v.type for v in node.inputs}
    if node.node_type == NodeType.VARIABLE_ASSIGNER:
        return {v.name: v.type for v in node.inputs}
    if node.node_type == NodeType.VARIABLE_AGGREGATOR:
        declared = node.outputs[0].type if node.outputs else (node.inputs[0].type if node.inputs else S)
        return {"output": declared}
    if node.node_type == NodeType.LIST_OPERATOR:
        element = list_element_type(node)
        return {"result": VariableType.list_of(element), "first": element, "last": element, "count": INT}
    return {v.name: v.type for v in node.outputs}

from .checker import CheckedGraph, GraphValidationError, check_draft, check_graph
from .references import GraphReferences, NodeRef

__all__ = ["CheckedGraph", "GraphReferences", "GraphValidationError", "NodeRef", "check_draft", "check_graph"]

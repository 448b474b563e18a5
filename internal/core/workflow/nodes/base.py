"""What a node executor is: `execute(node, inputs, ctx) -> NodeOutcome`, raising NodeError."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..entities.nodes import BaseNode

if TYPE_CHECKING:
    from ..engine.context import NodeContext


class NodeError(Exception):
    """The node failed; the message is shown to the user (no secrets, no internals)."""
    retryable = True


class NodeInputError(NodeError):
    """The node's inputs are unusable (missing, wrong type): retrying cannot help."""
    retryable = False


@dataclass
class NodeOutcome:
    outputs: dict[str, Any] = field(default_factory=dict)
    handle: str | None = None        # branch taken by if/else and classifier nodes
    total_tokens: int = 0
    total_price: float = 0.0


Executor = Callable[[BaseNode, dict[str, Any], "NodeContext"], NodeOutcome]

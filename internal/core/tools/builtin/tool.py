"""A builtin tool resolved for one call site: its declared inputs as JSON Schema, its form
params from the app config or workflow node, the account's credentials for its provider."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..base import Deadline, Tool, ToolLimits
from .registry import BuiltinContext, BuiltinFunction

ContextFactory = Callable[[Deadline], BuiltinContext]


class BuiltinTool(Tool):
    def __init__(self, name: str, description: str, input_schema: dict[str, Any], fn: BuiltinFunction,
                 make_context: ContextFactory, limits: ToolLimits | None = None, validator: Any = None) -> None:
        super().__init__(name, description, input_schema, limits, validator)
        self._fn = fn
        self._make_context = make_context

    def _run(self, arguments: dict[str, Any], deadline: Deadline) -> Any:
        return self._fn(arguments, self._make_context(deadline))

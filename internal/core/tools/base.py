"""The one tool interface (issue 10 §5).

Every kind of tool — builtin, API (OpenAPI), MCP, dataset retrieval, published workflow — is
resolved from a typed `ToolRef` to a `Tool`: a name, a description, a JSON Schema of its inputs
and `invoke`. Agents and the workflow tool node only ever see this interface (and the LangChain
adapter in `langchain_adapter.py`), so every kind behaves the same way there: inputs validated
against the schema, a time limit, a size-capped result, and a failure returned as a readable
observation (`ToolResult.ok is False`) instead of an exception that would end the run.

Resolution checks ownership: a `ToolResolver` (implemented in the service layer, which can see
the database) answers `ToolNotFoundError` for an id of another tenant, exactly as for a missing id.
"""
from __future__ import annotations

import abc
import logging
import time
import uuid
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field

from pkg.json_codec import dumps

from .schema_validation import compile_schema, validate_arguments

log = logging.getLogger(__name__)


class ToolType(StrEnum):
    # The values the console sends in app configs (`tools[].type`) and workflow tool nodes (`tool_type`).
    BUILTIN = "builtin_tool"
    API = "api_tool"
    MCP = "mcp_tool"
    DATASET = "dataset"
    WORKFLOW = "workflow"


class ToolRef(BaseModel):
    """A typed reference to one tool: builtin → provider name + tool name; API → provider uuid +
    tool (operation) name; MCP → server uuid + tool name; dataset → dataset uuid; workflow → uuid."""
    model_config = ConfigDict(extra="forbid")

    type: ToolType
    provider_id: str = Field(min_length=1, max_length=255)
    tool_id: str = Field(default="", max_length=255)
    params: dict[str, Any] = Field(default_factory=dict)


@dataclass(frozen=True)
class ToolLimits:
    timeout_s: float = 30.0          # wall clock for one call (HTTP-backed tools use it as their deadline)
    max_result_chars: int = 16_000   # what an agent or node receives; longer results are cut with a marker


@dataclass
class ToolResult:
    ok: bool
    text: str                        # what the model / the next node reads (an error message when not ok)
    data: Any = None                 # structured result when the tool has one (JSON-able)
    truncated: bool = False
    latency_s: float = 0.0


class ToolError(Exception):
    """A failure whose message is safe to show as the observation (no secrets, no internals)."""


class ToolNotFoundError(ToolError):
    pass


class ToolInputError(ToolError):
    pass


@dataclass
class Deadline:
    at: float

    @classmethod
    def after(cls, seconds: float) -> Deadline:
        return cls(time.monotonic() + seconds)

    def remaining(self) -> float:
        return max(0.0, self.at - time.monotonic())

    def check(self) -> None:
        if self.remaining() <= 0:
            raise ToolError("the tool ran out of time")


class Tool(abc.ABC):
    """A resolved, callable tool. Subclasses implement `_run`; callers use `invoke`."""

    name: str                        # [A-Za-z0-9_-]{1,64}: usable as an OpenAI function name
    description: str
    input_schema: dict[str, Any]     # JSON Schema, type "object"
    limits: ToolLimits

    def __init__(self, name: str, description: str, input_schema: dict[str, Any],
                 limits: ToolLimits | None = None, validator: Any = None) -> None:
        self.name, self.description, self.input_schema = name, description, input_schema
        self.limits = limits or ToolLimits()
        # a source that resolves the same schema often passes its compiled validator (checking and
        # compiling a schema costs milliseconds; `compile_schema` of schema_validation.py)
        self._validator = validator

    @abc.abstractmethod
    def _run(self, arguments: dict[str, Any], deadline: Deadline) -> Any:
        """Do the work; return str or JSON-able data. Raise ToolError with a readable message."""

    def validate(self, arguments: dict[str, Any]) -> dict[str, Any]:
        if self._validator is None:  # compiled once per tool object
            self._validator = compile_schema(self.input_schema)
        return validate_arguments(self._validator, arguments)

    def invoke(self, arguments: dict[str, Any] | None, limits: ToolLimits | None = None) -> ToolResult:
        limits = limits or self.limits
        started = time.perf_counter()
        try:
            args = self.validate(arguments or {})
            raw = self._run(args, Deadline.after(limits.timeout_s))
            text, data = render_result(raw)
            ok = True
        except ToolError as exc:
            text, data, ok = f"error: {exc}", None, False
        except Exception:  # a tool bug must not end the agent or workflow run
            ref = uuid.uuid4().hex[:8]
            log.exception("tool %s failed unexpectedly (ref %s)", self.name, ref)
            text, data, ok = f"error: the tool failed unexpectedly (ref {ref})", None, False
        text, truncated = cap_text(text, limits.max_result_chars)
        return ToolResult(ok=ok, text=text, data=data if ok else None, truncated=truncated,
                          latency_s=time.perf_counter() - started)


def render_result(raw: Any) -> tuple[str, Any]:
    if isinstance(raw, str):
        return raw, None
    return dumps(raw).decode("utf-8"), raw


TRUNCATION_MARKER = "\n…[truncated]"


def cap_text(text: str, limit: int) -> tuple[str, bool]:
    if len(text) <= limit:
        return text, False
    return text[: max(0, limit - len(TRUNCATION_MARKER))] + TRUNCATION_MARKER, True


@dataclass
class ToolCallContext:
    """Who is calling, for resolvers and tools that need it (credentials, quotas, recursion depth)."""
    account_id: uuid.UUID
    depth: int = 0                   # workflow-as-tool nesting, checked against a limit
    extra: dict[str, Any] = field(default_factory=dict)


class ToolResolver(Protocol):
    """Implemented by the service layer. Raises ToolNotFoundError for unknown ids AND for ids of
    another account (the same message, so existence does not leak)."""

    def resolve(self, ref: ToolRef, ctx: ToolCallContext) -> Tool: ...

"""Console /workflows request/response models (course + llmops-ui field names, docs/workflows.md)."""
from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool

from internal.schema.fields import IconUrl, Name
from pkg.paginator.paginator import SearchPaginatorReq

TOOL_CALL_NAME_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]{0,49}$"  # the DSL's rule (internal/core/workflow/dsl.py)


class CreateWorkflowReq(BaseModel):
    name: Name = Field(min_length=1, max_length=50)
    tool_call_name: str = Field(min_length=1, max_length=50, pattern=TOOL_CALL_NAME_PATTERN,
                                description="The name agents call it by: a letter or _, then letters, digits, _")
    icon: IconUrl = Field(min_length=1, max_length=512)
    description: str = Field(default="", max_length=1024)


class UpdateWorkflowReq(CreateWorkflowReq):
    pass


class GetWorkflowsWithPageReq(SearchPaginatorReq):
    status: Literal["", "draft", "published"] = ""


class WorkflowResp(BaseModel):
    id: str
    name: str
    tool_call_name: str
    icon: str
    description: str
    status: str
    is_debug_passed: bool
    node_count: int
    published_at: int
    updated_at: int
    created_at: int


class DraftGraphReq(BaseModel):
    """The editor's graph, saved as sent (unfinished nodes included); checked as a draft by the
    service, which names every malformed node (nothing is dropped)."""
    model_config = ConfigDict(extra="allow")

    nodes: list[dict[str, Any]] = Field(default_factory=list, max_length=500)
    edges: list[dict[str, Any]] = Field(default_factory=list, max_length=2000)


class DraftGraphResp(BaseModel):
    model_config = ConfigDict(extra="allow")

    nodes: list[dict[str, Any]]
    edges: list[dict[str, Any]]


class DebugWorkflowReq(BaseModel):
    """The flat inputs dict of the start node (`{"query": "..."}`), as the console sends it."""
    model_config = ConfigDict(extra="allow")


class RunWorkflowReq(BaseModel):
    """`POST /openapi/workflows/<id>/run`: the start node's inputs; `stream` for SSE."""
    model_config = ConfigDict(extra="forbid")

    inputs: dict[str, Any] = Field(default_factory=dict)
    stream: StrictBool = False  # "false" / "yes" are refused, never read as true


class NodeResultResp(BaseModel):
    node_id: str
    node_type: str
    title: str
    status: str
    inputs: dict[str, Any]
    outputs: dict[str, Any]
    error: str
    latency: float
    total_tokens: int
    total_price: float


class RunWorkflowResp(BaseModel):
    run_id: str
    status: Literal["running", "succeeded", "failed", "stopped"]
    outputs: dict[str, Any]
    error: str
    error_node_id: str
    latency: float
    total_tokens: int
    total_price: float
    node_results: list[NodeResultResp]


class ImportWorkflowReq(BaseModel):
    """A workflow DSL document (YAML, docs/workflows.md "YAML DSL")."""
    model_config = ConfigDict(extra="forbid")

    dsl: str = Field(min_length=1, max_length=2 * 1024 * 1024)


class ExportWorkflowResp(BaseModel):
    dsl: str


class RunEventsReq(BaseModel):
    """Re-attaching to a run's stream: `after` = how many of the run's frames the client has
    already received (keep-alives and the API stream's first `ping` are not counted)."""
    model_config = ConfigDict(extra="forbid")

    after: int = Field(default=0, ge=0, le=1_000_000)


class StopRunResp(BaseModel):
    run_id: str
    result: str

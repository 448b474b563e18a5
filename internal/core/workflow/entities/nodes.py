"""The node models: one pydantic class per node type, joined in a discriminated union on
`node_type`. Fields are the course/console names; every model keeps unknown keys (the editor's
`meta`, anything newer) so a saved graph reads back unchanged. Shapes are loose on purpose (the
editor autosaves unfinished nodes: empty prompt, no tool chosen yet); the strict validator
(validation/strict.py) checks meaning."""
from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from .conditions import Case, ConditionGroup
from .policies import ErrorPolicy, RetryPolicy
from .variables import Shape, Variable


class Position(Shape):
    x: int | float = 0
    y: int | float = 0


class BaseNode(Shape):
    id: str = Field(min_length=1, max_length=64)
    node_type: str
    title: str = ""
    description: str = ""
    position: Position | None = None
    inputs: list[Variable] = Field(default_factory=list)
    outputs: list[Variable] = Field(default_factory=list)
    meta: dict[str, Any] = Field(default_factory=dict)
    # Run policies (extensions of the course shape; absent = defaults).
    timeout_s: int | float | None = Field(default=None, gt=0, le=3600)
    retry: RetryPolicy = Field(default_factory=RetryPolicy)
    error_policy: ErrorPolicy = Field(default_factory=ErrorPolicy)


class ModelConfig(Shape):
    provider: str = ""
    model: str = ""
    parameters: dict[str, Any] = Field(default_factory=dict)


class StartNode(BaseNode):
    node_type: Literal["start"]


class EndNode(BaseNode):
    node_type: Literal["end"]


class LLMNode(BaseNode):
    node_type: Literal["llm"]
    prompt: str = ""
    llm_config: ModelConfig = Field(default_factory=ModelConfig, alias="model_config")


class ToolNode(BaseNode):
    node_type: Literal["tool"]
    tool_type: str = ""
    provider_id: str = ""
    tool_id: str = ""
    params: dict[str, Any] = Field(default_factory=dict)


class RetrievalConfig(Shape):
    retrieval_strategy: str = "semantic"
    k: int = 4
    score: int | float = 0


class DatasetRetrievalNode(BaseNode):
    node_type: Literal["dataset_retrieval"]
    dataset_ids: list[str] = Field(default_factory=list)
    retrieval_config: RetrievalConfig = Field(default_factory=RetrievalConfig)


class TemplateTransformNode(BaseNode):
    node_type: Literal["template_transform"]
    template: str = ""


class HttpRequestNode(BaseNode):
    node_type: Literal["http_request"]
    url: str = ""
    method: str = "get"
    max_response_bytes: int = Field(default=1_048_576, gt=0, le=16_777_216)


class CodeNode(BaseNode):
    node_type: Literal["code"]
    code: str = ""


class IfElseNode(BaseNode):
    node_type: Literal["if_else"]
    cases: list[Case] = Field(default_factory=list)


class ClassifierClass(Shape):
    id: str = ""
    name: str = ""
    description: str = ""


class QuestionClassifierNode(BaseNode):
    node_type: Literal["question_classifier"]
    llm_config: ModelConfig = Field(default_factory=ModelConfig, alias="model_config")
    classes: list[ClassifierClass] = Field(default_factory=list)
    instruction: str = ""


class ParameterExtractorNode(BaseNode):
    node_type: Literal["parameter_extractor"]
    llm_config: ModelConfig = Field(default_factory=ModelConfig, alias="model_config")
    instruction: str = ""


class VariableAssignerNode(BaseNode):
    node_type: Literal["variable_assigner"]


class VariableAggregatorNode(BaseNode):
    node_type: Literal["variable_aggregator"]


class SubGraph(Shape):
    nodes: list[Node] = Field(default_factory=list)
    edges: list[Edge] = Field(default_factory=list)


class IterationNode(BaseNode):
    node_type: Literal["iteration"]
    parallelism: int = Field(default=1, ge=1, le=32)
    error_mode: Literal["terminate", "continue", "remove_failed"] = "terminate"
    body: SubGraph = Field(default_factory=SubGraph)


class LoopNode(BaseNode):
    node_type: Literal["loop"]
    max_count: int = Field(default=10, ge=1, le=1000)
    break_conditions: ConditionGroup = Field(default_factory=ConditionGroup)
    body: SubGraph = Field(default_factory=SubGraph)


class SortConfig(Shape):
    enabled: bool = False
    key: str = ""                    # item key for objects, "" = the item
    order: Literal["asc", "desc"] = "asc"


class SliceConfig(Shape):
    enabled: bool = False
    offset: int = Field(default=0, ge=0)
    limit: int | None = Field(default=None, ge=0)


class FilterConfig(ConditionGroup):
    enabled: bool = False


class ListOperatorNode(BaseNode):
    node_type: Literal["list_operator"]
    filter: FilterConfig = Field(default_factory=FilterConfig)
    sort: SortConfig = Field(default_factory=SortConfig)
    slice: SliceConfig = Field(default_factory=SliceConfig)


class Edge(Shape):
    id: str = Field(min_length=1, max_length=64)
    source: str
    source_type: str = ""
    target: str
    target_type: str = ""
    source_handle_id: str | None = None


Node = Annotated[
    StartNode | EndNode | LLMNode | ToolNode | DatasetRetrievalNode | TemplateTransformNode
    | HttpRequestNode | CodeNode | IfElseNode | QuestionClassifierNode | ParameterExtractorNode
    | VariableAssignerNode | VariableAggregatorNode | IterationNode | LoopNode | ListOperatorNode,
    Field(discriminator="node_type"),
]

SubGraph.model_rebuild()
IterationNode.model_rebuild()
LoopNode.model_rebuild()

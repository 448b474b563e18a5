"""OpenAI shapes of the /v1 surface, for /openapi.json only.

The gateway validates /v1 bodies itself (internal/core/language_model/gateway.py: OpenAI's own
error messages and `param`s), so these models document what it accepts and answers; they are
deliberately open (`extra="allow"`): OpenAI adds fields, and unknown request fields are accepted
and not forwarded.
"""
from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class ChatCompletionReq(_Open):
    model: str = Field(min_length=1)
    messages: list[dict[str, Any]] = Field(min_length=1, description="{role, content, ...} objects")
    stream: bool | None = None
    stream_options: dict[str, Any] | None = None
    temperature: float | None = Field(default=None, ge=0, le=2)
    top_p: float | None = Field(default=None, ge=0, le=1)
    max_tokens: int | None = Field(default=None, ge=1)
    max_completion_tokens: int | None = Field(default=None, ge=1)
    n: int | None = Field(default=None, ge=1)
    stop: str | list[str] | None = None
    tools: list[dict[str, Any]] | None = None
    tool_choice: str | dict[str, Any] | None = None
    response_format: dict[str, Any] | None = None


class CompletionReq(_Open):
    model: str = Field(min_length=1)
    prompt: str | list[Any]
    stream: bool | None = None
    temperature: float | None = Field(default=None, ge=0, le=2)
    top_p: float | None = Field(default=None, ge=0, le=1)
    max_tokens: int | None = Field(default=None, ge=1)
    n: int | None = Field(default=None, ge=1)
    stop: str | list[str] | None = None


class EmbeddingReq(_Open):
    model: str = Field(min_length=1)
    input: str | list[Any]
    encoding_format: Literal["float", "base64"] | None = None
    dimensions: int | None = None


class ModelResp(_Open):
    id: str
    object: str
    created: int
    owned_by: str


class ModelListResp(_Open):
    object: Literal["list"]
    data: list[ModelResp]


class DeploymentRoutingResp(_Open):
    """strategy task_aware: the adaptive figures of one deployment (docs/language-models.md §2)."""

    weight: float
    task_weights: dict[str, float]
    measured_latency_ms: float | None
    error_rate: float
    observed_requests: int
    observed_failures: int
    cost_per_million_tokens: float
    tasks: dict[str, float] | Literal["all"]
    features: list[str]
    context_window: int | None


class DeploymentHealthResp(_Open):
    id: str
    status: Literal["healthy", "cooldown"]
    cooldown_remaining_seconds: float
    consecutive_failures: int
    routing: DeploymentRoutingResp | None = None


class ModelRoutingResp(_Open):
    """strategy task_aware: decisions per task class and the last one."""

    task_classes: dict[str, dict[str, int]]
    last_decision: dict[str, Any] | None


class ModelHealthResp(_Open):
    id: str
    object: Literal["model.health"]
    strategy: str | None = None
    status: Literal["healthy", "degraded", "unavailable"]
    deployments: list[DeploymentHealthResp]
    routing: ModelRoutingResp | None = None


class ChatCompletionResp(_Open):
    id: str
    object: str
    created: int
    model: str
    choices: list[dict[str, Any]] = Field(min_length=1)
    usage: dict[str, Any] | None = None


class CompletionResp(ChatCompletionResp):
    pass


class EmbeddingResp(_Open):
    object: str
    data: list[dict[str, Any]]
    model: str
    usage: dict[str, Any] | None = None


class ImageGenerationReq(_Open):
    model: str = Field(min_length=1)
    prompt: str = Field(min_length=1)
    n: int | None = Field(default=None, ge=1, le=10)
    size: str | None = None
    response_format: Literal["url", "b64_json"] | None = None


class ImageGenerationResp(_Open):
    created: int
    data: list[dict[str, Any]]

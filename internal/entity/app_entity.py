"""Apps: enums, limits and the typed app configuration (course field names).

`AppConfig` is the one shape of a stored configuration (draft, published, history): the
console's partial draft updates, builtin templates and copies all pass through it, so its
field limits are the only place the limits live. References inside it (model, tools,
datasets, workflows) are checked against the catalog and the caller's own resources by the
service (internal/service/app/draft_config_validator.py)."""
from __future__ import annotations

import uuid
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

MAX_TOOLS = 5
MAX_DELEGATES = 5
MAX_DATASETS = 5
MAX_WORKFLOWS = 5
MAX_OPENING_QUESTIONS = 3
MAX_REVIEW_KEYWORDS = 100
MAX_PROMPT_CHARS = 2000
MAX_OPENING_STATEMENT_CHARS = 2000
DEFAULT_CONVERSATION_NAME = "New Conversation"
# the cursor page of a message list (the console asks for 5 at a time)
DEFAULT_MESSAGE_PAGE_SIZE = 5


class AppStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"


class AppConfigType(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"


class InvokeFrom(StrEnum):
    DEBUGGER = "debugger"
    WEB_APP = "web_app"
    SERVICE_API = "service_api"
    ASSISTANT_AGENT = "assistant_agent"


class MessageStatus(StrEnum):
    NORMAL = "normal"
    STOP = "stop"
    ERROR = "error"
    RUNNING = "running"


class RetrievalStrategy(StrEnum):
    SEMANTIC = "semantic"
    FULL_TEXT = "full_text"
    HYBRID = "hybrid"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", protected_namespaces=())


class Enable(_Strict):
    enable: bool = False


class ModelConfig(_Strict):
    provider: str = Field(min_length=1, max_length=100)
    model: str = Field(min_length=1, max_length=255)
    parameters: dict[str, Any] = Field(default_factory=dict)


class ToolConfig(_Strict):
    """A tool reference as the console posts it: builtin → provider name + tool name; API →
    provider uuid + operation name (internal/core/tools/base.py ToolRef)."""
    type: str = Field(pattern="^(builtin_tool|api_tool|mcp_tool)$")
    provider_id: str = Field(min_length=1, max_length=255)
    tool_id: str = Field(min_length=1, max_length=255)
    params: dict[str, Any] = Field(default_factory=dict)


class RetrievalConfig(_Strict):
    retrieval_strategy: RetrievalStrategy = RetrievalStrategy.SEMANTIC
    k: int = Field(default=10, ge=0, le=10)
    score: float = Field(default=0.5, ge=0, le=1)


class TextToSpeech(_Strict):
    enable: bool = False
    voice: str = Field(default="echo", max_length=64)
    auto_play: bool = False


class InputsReview(_Strict):
    enable: bool = False
    preset_response: str = Field(default="", max_length=MAX_PROMPT_CHARS)

    @field_validator("preset_response", mode="before")
    @classmethod
    def _none_is_empty(cls, v):  # the course's YAML templates leave it null
        return "" if v is None else v


class ReviewConfig(_Strict):
    enable: bool = False
    keywords: list[str] = Field(default_factory=list, max_length=MAX_REVIEW_KEYWORDS)
    inputs_config: InputsReview = Field(default_factory=InputsReview)
    outputs_config: Enable = Field(default_factory=Enable)

    @field_validator("keywords")
    @classmethod
    def _clean_keywords(cls, v: list[str]) -> list[str]:
        words = [w.strip() for w in v]
        if any(not w for w in words):
            raise ValueError("keywords must not be blank")
        if any(len(w) > 100 for w in words):
            raise ValueError("a keyword is at most 100 characters")
        return list(dict.fromkeys(words))

    @model_validator(mode="after")
    def _enabled_needs_keywords(self):
        if self.enable:
            if not self.keywords:
                raise ValueError("keywords: at least one keyword is required when review is enabled")
            if not (self.inputs_config.enable or self.outputs_config.enable):
                raise ValueError("enable the review of inputs, of outputs, or both")
            if self.inputs_config.enable and not self.inputs_config.preset_response.strip():
                raise ValueError("inputs_config.preset_response: required when inputs are reviewed")
        return self


class AppConfig(_Strict):
    """A whole configuration. Datasets and workflows are uuids (strings when stored), tools refs."""
    model_config_: ModelConfig = Field(alias="model_config", serialization_alias="model_config")
    # "auto": function calling when the model calls tools, else ReAct (the console never sets it;
    # the agent API may)
    agent_type: Literal["auto", "function_calling", "react", "supervisor"] = "auto"
    # the supervisor's agents: other published apps of the same account (the agent API sets them)
    delegates: list[uuid.UUID] = Field(default_factory=list, max_length=MAX_DELEGATES)
    dialog_round: int = Field(default=3, ge=0, le=100)
    preset_prompt: str = Field(default="", max_length=MAX_PROMPT_CHARS)
    tools: list[ToolConfig] = Field(default_factory=list, max_length=MAX_TOOLS)
    workflows: list[uuid.UUID] = Field(default_factory=list, max_length=MAX_WORKFLOWS)
    datasets: list[uuid.UUID] = Field(default_factory=list, max_length=MAX_DATASETS)
    retrieval_config: RetrievalConfig = Field(default_factory=RetrievalConfig)
    long_term_memory: Enable = Field(default_factory=Enable)
    opening_statement: str = Field(default="", max_length=MAX_OPENING_STATEMENT_CHARS)
    opening_questions: list[str] = Field(default_factory=list, max_length=MAX_OPENING_QUESTIONS)
    speech_to_text: Enable = Field(default_factory=Enable)
    text_to_speech: TextToSpeech = Field(default_factory=TextToSpeech)
    suggested_after_answer: Enable = Field(default_factory=lambda: Enable(enable=True))
    review_config: ReviewConfig = Field(default_factory=ReviewConfig)

    model_config = ConfigDict(extra="forbid", populate_by_name=True, protected_namespaces=())

    @field_validator("opening_questions")
    @classmethod
    def _questions(cls, v: list[str]) -> list[str]:
        if any(not isinstance(q, str) or not q.strip() or len(q) > 255 for q in v):
            raise ValueError("each opening question is 1-255 characters")
        return v

    @field_validator("tools")
    @classmethod
    def _unique_tools(cls, v: list[ToolConfig]) -> list[ToolConfig]:
        keys = [(t.type, t.provider_id, t.tool_id) for t in v]
        if len(set(keys)) != len(keys):
            raise ValueError("the same tool is listed twice")
        return v

    @field_validator("datasets", "workflows", "delegates")
    @classmethod
    def _unique_ids(cls, v: list[uuid.UUID]) -> list[uuid.UUID]:
        if len(set(v)) != len(v):
            raise ValueError("the same id is listed twice")
        return v

    def dump(self) -> dict[str, Any]:
        """The stored JSON (course key names)."""
        return self.model_dump(mode="json", by_alias=True)

    @property
    def language_model(self) -> ModelConfig:
        return self.model_config_


# Keys the console may post to the draft route; each ability posts only its own.
DRAFT_CONFIG_KEYS = tuple(f.alias or name for name, f in AppConfig.model_fields.items())

"""Bodies of the third-party agent API (`/v1/agents`, `/v1/chat`): plain JSON for callers who do
not want the console's shapes (docs/agent-api.md)."""
from __future__ import annotations

import uuid
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from internal.entity.app_entity import MAX_DATASETS, MAX_DELEGATES, MAX_PROMPT_CHARS, MAX_TOOLS

from .chat_schema import MAX_QUERY_CHARS


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", protected_namespaces=())


class AgentToolRef(_Body):
    type: Literal["builtin_tool", "api_tool", "mcp_tool"]
    provider_id: str = Field(min_length=1, max_length=255)
    tool_id: str = Field(min_length=1, max_length=255)
    params: dict[str, Any] = Field(default_factory=dict)


class CreateAgentReq(_Body):
    name: str = Field(min_length=1, max_length=40)
    description: str = Field(default="", max_length=800)
    agent_type: Literal["auto", "function_calling", "react", "supervisor"] = "auto"
    system_prompt: str = Field(default="", max_length=MAX_PROMPT_CHARS)
    model: str = Field(min_length=3, max_length=300, description="provider/model, e.g. openai/gpt-4o-mini")
    tools: list[AgentToolRef] = Field(default_factory=list, max_length=MAX_TOOLS)
    datasets: list[uuid.UUID] = Field(default_factory=list, max_length=MAX_DATASETS)
    delegates: list[uuid.UUID] = Field(default_factory=list, max_length=MAX_DELEGATES,
                                       description="a supervisor's agents: other agents of the same account")

    @field_validator("model")
    @classmethod
    def _provider_and_model(cls, v: str) -> str:
        provider, _, model = v.partition("/")
        if not provider or not model:
            raise ValueError("model must be 'provider/model', e.g. openai/gpt-4o-mini")
        return v


class _Message(_Body):
    message: str = Field(min_length=1, max_length=MAX_QUERY_CHARS)

    @field_validator("message")
    @classmethod
    def _not_blank(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("message must not be empty")
        return v


class ExecuteAgentReq(_Message):
    use_tools: bool = True


class AgentChatReq(_Message):
    agent_id: uuid.UUID
    session_id: uuid.UUID | None = None
    use_tools: bool = True


class ChatHistoryReq(_Body):
    session_id: uuid.UUID


class AgentResp(BaseModel):
    id: str
    object: Literal["agent"]
    name: str
    description: str
    agent_type: str
    model: str
    system_prompt: str
    tools: list[dict]
    datasets: list[str]
    delegates: list[str]
    status: str
    created_at: int


class AgentListResp(BaseModel):
    object: Literal["list"]
    data: list[AgentResp]


class UsageResp(BaseModel):
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int


class ThoughtResp(BaseModel):
    event: str
    thought: str
    tool: str
    tool_input: dict
    observation: str
    latency: float


class AgentChatResp(BaseModel):
    session_id: str
    message_id: str
    answer: str
    status: str
    thoughts: list[ThoughtResp]
    usage: UsageResp


class ExecuteAgentResp(BaseModel):
    answer: str
    thoughts: list[ThoughtResp]
    usage: UsageResp


class HistoryMessageResp(BaseModel):
    message_id: str
    message: str
    answer: str
    status: str
    created_at: int


class ChatHistoryResp(BaseModel):
    session_id: str
    agent_id: str
    messages: list[HistoryMessageResp]

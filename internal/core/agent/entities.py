"""What an agent turn is given: its configuration and its input."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from langchain_core.language_models import BaseChatModel

from internal.core.language_model.entities import Pricing
from internal.core.language_model.usage import count_tokens
from internal.core.tools.base import Tool

from .prompts import SYSTEM_PROMPT
from .review import ReviewConfig

DATASET_RETRIEVAL_TOOL = "dataset_retrieval"


@dataclass
class Delegate:
    """Another agent (an app) a supervisor may hand work to, exposed to it as a tool."""
    name: str                        # the tool name: [A-Za-z0-9_-]{1,64}
    description: str
    config: AgentConfig


@dataclass
class AgentConfig:
    llm: BaseChatModel
    agent_type: str = "function_calling"
    preset_prompt: str = ""
    system_prompt: str = SYSTEM_PROMPT        # {preset_prompt} and {long_term_memory_block} are filled in
    tools: list[Tool] = field(default_factory=list)
    max_iterations: int = 5                   # model calls per turn, exactly
    timeout_s: float = 600.0                  # the whole turn, tools included
    dialog_round: int = 3
    max_history_tokens: int = 2000
    long_term_memory: bool = False
    review: ReviewConfig = field(default_factory=ReviewConfig)
    pricing: Pricing | None = None
    parallel_tools: int = 4                   # tool calls of one step run concurrently, at most this many
    # With tools bound, a model may write text and then call a tool: that text is a thought, not
    # the answer. Text is held until a tool call shows up or this many characters have arrived
    # (then it streams as the answer); 0 streams at once.
    preamble_hold_chars: int = 160
    dataset_tool_names: frozenset[str] = frozenset({DATASET_RETRIEVAL_TOOL})
    delegates: list[Delegate] = field(default_factory=list)
    depth: int = 0                            # delegation nesting (a supervisor's agents are depth 1)
    max_depth: int = 2
    token_counter: Callable[[str], int] = count_tokens


@dataclass
class AgentTurn:
    query: str
    history: list[tuple[str, str]] = field(default_factory=list)   # (human, ai) rounds, oldest first
    long_term_memory: str = ""
    task_id: str = ""
    message_id: str = ""
    conversation_id: str = ""

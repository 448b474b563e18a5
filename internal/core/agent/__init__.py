"""The agent runtime (issue 11 §3), free of Flask: agent types by name, events, memory, review,
accounting, and the runner that executes a turn apart from the HTTP connection. See docs/agents.md."""
from . import function_calling, react, supervisor  # noqa: F401  (register the built-in types)
from .accounting import CallUsage, UsageMeter
from .base import BaseAgent, TurnState, UnknownAgentTypeError, agent_type_for, agent_types, create_agent, register_agent
from .control import AgentStopped, AgentTimedOut, CancelToken, RunControl
from .dataset_tool import DatasetRetrievalTool
from .entities import DATASET_RETRIEVAL_TOOL, AgentConfig, AgentTurn, Delegate
from .events import MAX_FRAME_BYTES, TERMINAL_EVENTS, AgentEvent, AgentEventName
from .memory import ChatModelSummariser, Summariser, select_history
from .outcome import AgentOutcome, collect_outcome
from .review import KeywordReview, OutputMasker, ReviewConfig

__all__ = [
    "AgentConfig", "AgentEvent", "AgentEventName", "AgentOutcome", "AgentStopped", "AgentTimedOut", "AgentTurn",
    "BaseAgent", "CallUsage", "CancelToken", "ChatModelSummariser", "DATASET_RETRIEVAL_TOOL", "DatasetRetrievalTool",
    "Delegate", "KeywordReview", "MAX_FRAME_BYTES", "OutputMasker", "ReviewConfig", "RunControl", "Summariser",
    "TERMINAL_EVENTS", "TurnState", "UnknownAgentTypeError", "UsageMeter", "agent_type_for", "agent_types",
    "collect_outcome", "create_agent", "register_agent", "select_history",
]

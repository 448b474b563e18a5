"""The agent's event: one type for the SSE frame, the persisted step and the run's outcome.

Field names are the console contract (DESIGN §1): every frame's data has `id, event, thought,
observation, tool, tool_input, answer, latency, message_id, task_id, conversation_id` plus the
token/price fields. Two flags that never reach the client say where an event goes:
`stream` (publish it as a frame) and `persist` (a complete step for `message_agent_thought`,
with the full text). An `agent_message` answer streams as many small delta events (stream only)
and is persisted once, whole, when its model call ends (persist only).
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from pkg.json_codec import dumps

#: the console's SSE reader loses frames split across two network reads: keep each small
MAX_FRAME_BYTES = 4000
TRUNCATION_MARK = "…[truncated]"


class AgentEventName(StrEnum):
    PING = "ping"
    LONG_TERM_MEMORY_RECALL = "long_term_memory_recall"
    AGENT_THOUGHT = "agent_thought"
    AGENT_MESSAGE = "agent_message"
    AGENT_ACTION = "agent_action"
    DATASET_RETRIEVAL = "dataset_retrieval"
    AGENT_END = "agent_end"
    STOP = "stop"
    ERROR = "error"
    TIMEOUT = "timeout"


#: events after which a task publishes nothing more
TERMINAL_EVENTS = frozenset({AgentEventName.AGENT_END, AgentEventName.STOP, AgentEventName.ERROR,
                             AgentEventName.TIMEOUT})

_TEXT_FIELDS = ("observation", "thought", "answer")


def new_id() -> str:
    return str(uuid.uuid4())


@dataclass(slots=True)
class AgentEvent:
    event: AgentEventName
    id: str = field(default_factory=new_id)
    task_id: str = ""
    message_id: str = ""
    conversation_id: str = ""
    thought: str = ""
    observation: str = ""
    tool: str = ""
    tool_input: dict[str, Any] = field(default_factory=dict)
    answer: str = ""
    latency: float = 0.0
    # the model call of this step: prompt ("message") and completion ("answer") tokens and prices
    message_token_count: int = 0
    message_unit_price: float = 0.0
    message_price_unit: float = 0.0
    answer_token_count: int = 0
    answer_unit_price: float = 0.0
    answer_price_unit: float = 0.0
    # running totals of the whole turn (every model call so far, delegated agents included)
    total_token_count: int = 0
    total_price: float = 0.0
    # routing flags, never serialised
    stream: bool = True
    persist: bool = False

    @property
    def terminal(self) -> bool:
        return self.event in TERMINAL_EVENTS

    def to_dict(self) -> dict[str, Any]:
        """Every contract field, full text (the persisted record)."""
        return {
            "id": self.id, "event": str(self.event), "thought": self.thought, "observation": self.observation,
            "tool": self.tool, "tool_input": self.tool_input, "answer": self.answer,
            "latency": round(self.latency, 4), "message_id": self.message_id, "task_id": self.task_id,
            "conversation_id": self.conversation_id,
            "message_token_count": self.message_token_count, "message_unit_price": self.message_unit_price,
            "message_price_unit": self.message_price_unit, "answer_token_count": self.answer_token_count,
            "answer_unit_price": self.answer_unit_price, "answer_price_unit": self.answer_price_unit,
            "total_token_count": self.total_token_count, "total_price": round(self.total_price, 10),
        }

    def stream_data(self, max_bytes: int = MAX_FRAME_BYTES) -> bytes:
        """The frame's JSON: long observations, tool inputs, thoughts and answers are cut so the
        whole frame (with its `event:`/`data:` header) stays within `max_bytes`."""
        data = self.to_dict()
        budget = max_bytes - len(self.event) - 16  # "event: …\ndata: …\n\n"
        body = dumps(data)
        if len(body) <= budget:
            return body
        _share_budget(data, budget)
        body = dumps(data)
        return body if len(body) <= budget else _shrunk_to_ids(data)


def _share_budget(data: dict[str, Any], budget: int) -> None:
    """Water-filling: small fields stay whole, the large ones share what is left equally."""
    texts = {k: data[k] for k in _TEXT_FIELDS}
    texts["tool_input"] = dumps(data["tool_input"]).decode("utf-8") if data["tool_input"] else ""
    sizes = {k: len(dumps(v)) for k, v in texts.items()}
    fixed = len(dumps({**data, **dict.fromkeys(_TEXT_FIELDS, ""), "tool_input": {}}))
    available = budget - fixed - 64 * len(texts)    # room for marks and the truncated tool_input's keys
    order = sorted(texts, key=sizes.__getitem__)
    for i, name in enumerate(order):
        share = max(0, available // (len(order) - i))
        if sizes[name] > share:
            texts[name] = _cut(texts[name], sizes[name], sizes[name] - share)
            sizes[name] = len(dumps(texts[name]))
        available -= sizes[name]
    for k in _TEXT_FIELDS:
        data[k] = texts[k]
    if texts["tool_input"] != (dumps(data["tool_input"]).decode("utf-8") if data["tool_input"] else ""):
        data["tool_input"] = {"truncated": True, "preview": texts["tool_input"]}


def _cut(text: str, encoded_len: int, over: int) -> str:
    # encoded bytes per character of this text, so one cut is usually enough
    ratio = encoded_len / max(1, len(text))
    keep = max(0, int(len(text) - (over + len(TRUNCATION_MARK) * 3) / ratio))
    return text[:keep] + TRUNCATION_MARK


def _shrunk_to_ids(data: dict[str, Any]) -> bytes:
    for k in _TEXT_FIELDS:
        data[k] = TRUNCATION_MARK if data[k] else ""
    data["tool_input"] = {}
    return dumps(data)


__all__ = ["AgentEvent", "AgentEventName", "MAX_FRAME_BYTES", "TERMINAL_EVENTS", "new_id"]

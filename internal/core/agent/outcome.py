"""The result of a turn, read off its events (the event stream is the one source of truth)."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from .events import AgentEvent, AgentEventName

E = AgentEventName
_STATUS = {E.AGENT_END: "normal", E.STOP: "stop", E.ERROR: "error", E.TIMEOUT: "error"}


@dataclass
class AgentOutcome:
    status: str = "error"                  # normal | stop | error (message status)
    end_event: str = ""
    answer: str = ""
    error: str = ""
    message_tokens: int = 0                # prompt tokens of this agent's own model calls
    answer_tokens: int = 0                 # completion tokens of this agent's own model calls
    total_tokens: int = 0                  # every call of the turn, delegated agents included
    total_price: float = 0.0
    latency: float = 0.0
    steps: list[AgentEvent] = field(default_factory=list)

    def add(self, event: AgentEvent) -> None:
        if event.persist:
            self.steps.append(event)
            self.message_tokens += event.message_token_count
            self.answer_tokens += event.answer_token_count
            if event.event == E.AGENT_MESSAGE:
                self.answer += event.answer
        if event.terminal:
            self.status, self.end_event = _STATUS[event.event], str(event.event)
            self.error = event.observation if event.event in (E.ERROR, E.TIMEOUT) else ""
            self.total_tokens, self.total_price, self.latency = (event.total_token_count, event.total_price,
                                                                 event.latency)


def collect_outcome(events: Iterable[AgentEvent]) -> AgentOutcome:
    outcome = AgentOutcome()
    for event in events:
        outcome.add(event)
    return outcome

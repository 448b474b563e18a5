"""The agent base class and the registry of agent types.

An agent turns one `AgentTurn` into a stream of `AgentEvent`s and ALWAYS ends it with exactly
one terminal event (`agent_end`, `stop`, `timeout` or `error`), whatever happens inside: an
empty completion, a stop, a provider failure or a bug. Subclasses implement `_loop`; the
shared parts (input review, memory recall, accounting, answer frames, terminal events) live here.
Types register by decorator and are chosen by name:

    @register_agent("function_calling")
    class FunctionCallingAgent(BaseAgent): ...

    agent = create_agent(agent_type_for(model.features), config)
"""
from __future__ import annotations

import abc
import logging
import time
import uuid
from collections.abc import Iterable, Iterator
from typing import Any, ClassVar

from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage

from internal.core.language_model.errors import LLMError

from .accounting import CallUsage, UsageMeter, call_usage
from .control import AgentStopped, AgentTimedOut, RunControl
from .entities import AgentConfig, AgentTurn
from .events import AgentEvent, AgentEventName, new_id
from .memory import select_history
from .prompts import LONG_TERM_MEMORY_BLOCK

log = logging.getLogger(__name__)
E = AgentEventName
DELTA_CHARS = 1000   # one agent_message frame carries at most this much answer text


class UnknownAgentTypeError(ValueError):
    pass


_REGISTRY: dict[str, type[BaseAgent]] = {}


def register_agent(name: str):
    def decorate(cls: type[BaseAgent]) -> type[BaseAgent]:
        if name in _REGISTRY and _REGISTRY[name] is not cls:
            raise ValueError(f"agent type {name!r} is already registered")
        cls.agent_type = name
        _REGISTRY[name] = cls
        return cls
    return decorate


def agent_types() -> list[str]:
    return sorted(_REGISTRY)


def create_agent(name: str, config: AgentConfig) -> BaseAgent:
    try:
        cls = _REGISTRY[name]
    except KeyError:
        raise UnknownAgentTypeError(f"unknown agent type {name!r}; known: {', '.join(agent_types())}") from None
    return cls(config)


def agent_type_for(features: Iterable[str]) -> str:
    """function_calling for models that can call tools, else the prompt-protocol ReAct agent."""
    return "function_calling" if "tool_call" in {str(f) for f in features} else "react"


class TurnState:
    """Per-turn bookkeeping shared by the agent's helpers: ids, usage, the answer in flight."""

    def __init__(self, config: AgentConfig, turn: AgentTurn) -> None:
        self.config, self.turn = config, turn
        self.meter = UsageMeter()
        self.started = time.perf_counter()
        self._partial_id = ""
        self._partial: list[str] = []
        self._partial_started = 0.0

    def event(self, name: AgentEventName, *, stream: bool = True, persist: bool = False,
              usage: CallUsage | None = None, **fields: Any) -> AgentEvent:
        ev = AgentEvent(event=name, task_id=self.turn.task_id, message_id=self.turn.message_id,
                        conversation_id=self.turn.conversation_id, stream=stream, persist=persist, **fields)
        if usage is not None:
            ev.message_token_count, ev.answer_token_count = usage.input_tokens, usage.output_tokens
            ev.message_unit_price, ev.answer_unit_price = usage.input_unit_price, usage.output_unit_price
            ev.message_price_unit = ev.answer_price_unit = usage.price_unit
        ev.total_token_count, ev.total_price = self.meter.total_tokens, self.meter.price
        return ev

    def account(self, usage_metadata: dict[str, Any] | None) -> CallUsage:
        usage = call_usage(usage_metadata, self.config.pricing)
        self.meter.add(usage)
        return usage

    # --------------------------------------------------------------- answer frames ---------
    def answer_deltas(self, call_id: str, text: str, call_started: float) -> Iterator[AgentEvent]:
        """agent_message frames for streamed answer text (one stable id per model call)."""
        if not text:
            return
        if self._partial_id != call_id:
            self._partial_id, self._partial, self._partial_started = call_id, [], call_started
        self._partial.append(text)
        latency = time.perf_counter() - call_started
        for i in range(0, len(text), DELTA_CHARS):
            piece = text[i:i + DELTA_CHARS]
            yield self.event(E.AGENT_MESSAGE, id=call_id, thought=piece, answer=piece, latency=latency)

    def answer_done(self, call_id: str, text: str, usage: CallUsage, latency: float) -> Iterator[AgentEvent]:
        """The model call's answer is complete: its full record, then a stats-only frame."""
        self._partial_id, self._partial = "", []
        yield self.event(E.AGENT_MESSAGE, id=call_id, thought=text, answer=text, latency=latency, usage=usage,
                         stream=False, persist=True)
        yield self.event(E.AGENT_MESSAGE, id=call_id, latency=latency, usage=usage)

    def abandon_answer(self) -> None:
        """The text streamed so far turned out to be a preamble (recorded as a thought instead)."""
        self._partial_id, self._partial = "", []

    def partial_answer(self) -> Iterator[AgentEvent]:
        """On stop/timeout/error: persist the answer text the client already saw."""
        if self._partial:
            text, call_id = "".join(self._partial), self._partial_id
            self._partial_id, self._partial = "", []
            yield self.event(E.AGENT_MESSAGE, id=call_id, thought=text, answer=text, stream=False, persist=True,
                             latency=time.perf_counter() - self._partial_started)

    def end(self, name: AgentEventName, observation: str = "") -> AgentEvent:
        return self.event(name, observation=observation, latency=time.perf_counter() - self.started,
                          persist=name != E.AGENT_END)


class BaseAgent(abc.ABC):
    agent_type: ClassVar[str] = ""

    def __init__(self, config: AgentConfig) -> None:
        self.config = config

    def run(self, turn: AgentTurn, control: RunControl | None = None) -> Iterator[AgentEvent]:
        control = control or RunControl.with_timeout(self.config.timeout_s)
        control = control.child(self.config.timeout_s)
        state = TurnState(self.config, turn)
        try:
            review = self.config.review.input_review()
            if review and review.matches(turn.query):
                yield from self._preset_answer(state)
            else:
                if self.config.long_term_memory:
                    yield state.event(E.LONG_TERM_MEMORY_RECALL, observation=turn.long_term_memory, persist=True)
                yield from self._loop(state, self.build_messages(turn), control)
            yield state.end(E.AGENT_END)
        except AgentStopped:
            yield from state.partial_answer()
            yield state.end(E.STOP)
        except AgentTimedOut:
            yield from state.partial_answer()
            yield state.end(E.TIMEOUT, "the agent ran out of time")
        except LLMError as exc:  # gateway errors carry client-safe messages
            yield from state.partial_answer()
            yield state.end(E.ERROR, exc.message)
        except Exception:
            ref = uuid.uuid4().hex[:8]
            log.exception("agent turn failed (ref %s)", ref)
            yield from state.partial_answer()
            yield state.end(E.ERROR, f"the agent failed unexpectedly (ref {ref})")

    def _preset_answer(self, state: TurnState) -> Iterator[AgentEvent]:
        text = self.config.review.preset_response
        call_id = new_id()
        yield from state.answer_deltas(call_id, text, time.perf_counter())
        yield from state.answer_done(call_id, text, CallUsage(), 0.0)

    def system_prompt(self, turn: AgentTurn) -> str:
        memory = (LONG_TERM_MEMORY_BLOCK.replace("{summary}", turn.long_term_memory)
                  if self.config.long_term_memory and turn.long_term_memory else "")
        return (self.config.system_prompt.replace("{preset_prompt}", self.config.preset_prompt)
                .replace("{long_term_memory_block}", memory))

    def build_messages(self, turn: AgentTurn) -> list[BaseMessage]:
        history = select_history(turn.history, self.config.dialog_round, self.config.max_history_tokens,
                                 self.config.token_counter)
        return [SystemMessage(content=self.system_prompt(turn)), *history, HumanMessage(content=turn.query)]

    @abc.abstractmethod
    def _loop(self, state: TurnState, messages: list[BaseMessage], control: RunControl) -> Iterator[AgentEvent]:
        """Model calls and tool steps; return normally once the answer is complete."""

"""The function-calling agent: tools bound to the model (`bind_tools`), a plain loop over
LangChain messages (no graph runtime: nothing per step but the model call and the tools).

Per model call: answer text streams as `agent_message` frames with one id; when the call asks
for tools, an `agent_thought` records it (the text written before the tool call is the thought,
never part of the answer), the tools run (concurrently when there are several) and each gives
an `agent_action` (or `dataset_retrieval`) event. At most `max_iterations` model calls: when
the last one still asks for tools, they are not run and a fixed answer says the limit was hit.
"""
from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, ToolMessage

from internal.core.tools.base import Tool

from .accounting import CallUsage
from .base import BaseAgent, TurnState, register_agent
from .control import RunControl
from .events import AgentEvent, AgentEventName, new_id
from .model_call import ModelCall, ModelReply
from .prompts import MAX_ITERATIONS_ANSWER
from .review import OutputMasker
from .tool_steps import ToolOutcome, run_tool_calls


def openai_tool(tool: Tool) -> dict[str, Any]:
    return {"type": "function", "function": {"name": tool.name, "description": tool.description or tool.name,
                                             "parameters": tool.input_schema}}


@register_agent("function_calling")
class FunctionCallingAgent(BaseAgent):

    def tools(self, state: TurnState, control: RunControl) -> list[Tool]:
        return list(self.config.tools)

    def _loop(self, state: TurnState, messages: list[BaseMessage], control: RunControl) -> Iterator[AgentEvent]:
        tools = self.tools(state, control)
        by_name = {t.name: t for t in tools}
        model = self.config.llm.bind_tools([openai_tool(t) for t in tools]) if tools else self.config.llm
        hold_limit = self.config.preamble_hold_chars if tools else 0
        for iteration in range(1, self.config.max_iterations + 1):
            call_id, started = new_id(), time.perf_counter()
            masker = OutputMasker(self.config.review.output_review())
            call = ModelCall(model, messages, control)
            held: list[str] = []
            held_len, streaming, saw_tool = 0, hold_limit <= 0, False
            streamed: list[str] = []
            for kind, delta in call:
                if kind == "tool":
                    saw_tool = True
                    continue
                safe = masker.feed(delta)
                if streaming and not saw_tool:
                    streamed.append(safe)
                    yield from state.answer_deltas(call_id, safe, started)
                    continue
                held.append(safe)
                held_len += len(delta)
                if not saw_tool and held_len > hold_limit:   # too long for a preamble: it is the answer
                    streaming = True
                    text = "".join(held)
                    held.clear()
                    streamed.append(text)
                    yield from state.answer_deltas(call_id, text, started)
            reply = call.reply
            rest = masker.flush()
            usage = state.account(reply.usage)
            if not reply.tool_calls:
                tail = "".join(held) + rest
                yield from state.answer_deltas(call_id, tail, started)
                yield from state.answer_done(call_id, "".join(streamed) + tail, usage, reply.latency)
                return
            thought = "".join(streamed) + "".join(held) + rest
            state.abandon_answer()
            yield self._thought_event(state, reply, thought, usage)
            if iteration == self.config.max_iterations:
                break
            messages.append(AIMessage(content=reply.text, tool_calls=[
                {"id": c.id, "name": c.name, "args": c.args, "type": "tool_call"} for c in reply.tool_calls]))
            outcomes: list[ToolOutcome] = []
            yield from run_tool_calls(state, reply.tool_calls, by_name, control, outcomes)
            messages.extend(ToolMessage(content=o.result.text, tool_call_id=o.call.id) for o in outcomes)
        yield from self._limit_answer(state)

    @staticmethod
    def _thought_event(state: TurnState, reply: ModelReply, thought: str, usage: CallUsage) -> AgentEvent:
        calls = [{"id": c.id, "name": c.name, "args": c.args} for c in reply.tool_calls]
        return state.event(AgentEventName.AGENT_THOUGHT, thought=thought, tool=", ".join(c.name for c in reply.tool_calls),
                           tool_input={"tool_calls": calls}, latency=reply.latency, usage=usage, persist=True)

    @staticmethod
    def _limit_answer(state: TurnState) -> Iterator[AgentEvent]:
        call_id = new_id()
        yield from state.answer_deltas(call_id, MAX_ITERATIONS_ANSWER, time.perf_counter())
        yield from state.answer_done(call_id, MAX_ITERATIONS_ANSWER, CallUsage(), 0.0)

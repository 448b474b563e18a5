"""The ReAct agent, for models without tool calling: tools are described in the system prompt
and called through the text protocol of `react_protocol` (Thought / Action / Action Input →
Observation … Final Answer). With no tools it is a plain streamed chat."""
from __future__ import annotations

import time
from collections.abc import Iterator

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage

from internal.core.tools.base import Tool
from pkg.json_codec import dumps

from .accounting import CallUsage
from .base import BaseAgent, TurnState, register_agent
from .control import RunControl
from .entities import AgentTurn
from .events import AgentEvent, AgentEventName, new_id
from .model_call import ModelCall, ToolCallRequest
from .prompts import MAX_ITERATIONS_ANSWER, REACT_PROTOCOL
from .react_protocol import ReactParse, ReactStreamer, parse_react
from .review import OutputMasker
from .tool_steps import ToolOutcome, run_tool_calls

STOP_SEQUENCES = ["\nObservation:"]


def describe_tools(tools: list[Tool]) -> str:
    return "\n".join(f"- {t.name}: {t.description or t.name} Arguments (JSON Schema): "
                     f"{dumps(t.input_schema).decode('utf-8')}" for t in tools)


def _single_string_param(tool: Tool | None) -> str | None:
    props = (tool.input_schema.get("properties") or {}) if tool else {}
    strings = [k for k, v in props.items() if isinstance(v, dict) and v.get("type") == "string"]
    return strings[0] if len(props) == 1 and len(strings) == 1 else None


@register_agent("react")
class ReactAgent(BaseAgent):

    def system_prompt(self, turn: AgentTurn) -> str:
        base = super().system_prompt(turn)
        if not self.config.tools:
            return base
        return base + REACT_PROTOCOL.format(tools=describe_tools(self.config.tools),
                                            tool_names=", ".join(t.name for t in self.config.tools))

    def _loop(self, state: TurnState, messages: list[BaseMessage], control: RunControl) -> Iterator[AgentEvent]:
        tools = {t.name: t for t in self.config.tools}
        model = self.config.llm.bind(stop=STOP_SEQUENCES) if tools else self.config.llm
        for iteration in range(1, self.config.max_iterations + 1):
            call_id, started = new_id(), time.perf_counter()
            masker = OutputMasker(self.config.review.output_review())
            streamer = ReactStreamer() if tools else None
            acc: list[str] = []
            streamed: list[str] = []
            thought_sent = False
            call = ModelCall(model, messages, control)
            for kind, delta in call:
                if kind != "text":
                    continue
                acc.append(delta)
                raw = streamer.feed("".join(acc)) if streamer else delta
                if streamer and streamer.mode == "final" and not thought_sent:
                    thought_sent = True
                    if streamer.thought:
                        yield state.event(AgentEventName.AGENT_THOUGHT, thought=streamer.thought, persist=True)
                safe = masker.feed(raw) if raw else ""
                if safe:
                    streamed.append(safe)
                    yield from state.answer_deltas(call_id, safe, started)
            reply = call.reply
            usage = state.account(reply.usage)
            parsed = parse_react(reply.text) if tools else ReactParse("plain", answer=reply.text)
            if parsed.kind != "action":
                tail = masker.feed(streamer.feed(reply.text)) if streamer and streamer.mode in ("final", "plain") \
                    else ("" if streamer is None else masker.feed(parsed.answer))
                tail += masker.flush()
                yield from state.answer_deltas(call_id, tail, started)
                yield from state.answer_done(call_id, "".join(streamed) + tail, usage, reply.latency)
                return
            state.abandon_answer()
            thought = parsed.thought or masker.flush()
            yield state.event(AgentEventName.AGENT_THOUGHT, thought=thought, tool=parsed.tool,
                              tool_input=parsed.args or ({"input": parsed.raw_input} if parsed.raw_input else {}),
                              latency=reply.latency, usage=usage, persist=True)
            if iteration == self.config.max_iterations:
                break
            request = self._request(parsed, tools)
            outcomes: list[ToolOutcome] = []
            yield from run_tool_calls(state, [request], tools, control, outcomes)
            messages.append(AIMessage(content=parsed.transcript))
            messages.append(HumanMessage(content=f"Observation: {outcomes[0].result.text}"))
        call_id = new_id()
        yield from state.answer_deltas(call_id, MAX_ITERATIONS_ANSWER, time.perf_counter())
        yield from state.answer_done(call_id, MAX_ITERATIONS_ANSWER, CallUsage(), 0.0)

    @staticmethod
    def _request(parsed: ReactParse, tools: dict[str, Tool]) -> ToolCallRequest:
        if not parsed.raw_input:
            return ToolCallRequest(new_id(), parsed.tool, parsed.args)
        param = _single_string_param(tools.get(parsed.tool))
        if param:   # a bare string for a tool that takes one string: accept it
            return ToolCallRequest(new_id(), parsed.tool, {param: parsed.raw_input})
        return ToolCallRequest(new_id(), parsed.tool, {}, "Action Input must be one JSON object")

"""Executing the tool calls of one step, as `agent_action` / `dataset_retrieval` events.

Every call goes through `Tool.invoke` (schema validation, time limit, size cap, failures as an
`error: …` observation), so a failing tool never ends the turn: the model reads the error and
goes on. Several calls of one step run concurrently (at most `parallel` at once); the stop and
the deadline are checked while they run and the results are reported in the order the model
asked for them. A single call runs inline: its tool's own time limit bounds it.
"""
from __future__ import annotations

import concurrent.futures as cf
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from internal.core.tools.base import Tool, ToolResult

from .base import TurnState
from .control import RunControl
from .events import AgentEvent, AgentEventName
from .model_call import ToolCallRequest

WAIT_SLICE_S = 0.2


@dataclass
class ToolOutcome:
    call: ToolCallRequest
    result: ToolResult


def _invoke(call: ToolCallRequest, tools: Mapping[str, Tool]) -> ToolResult:
    if call.args_error:
        return ToolResult(ok=False, text=f"error: {call.args_error}")
    tool = tools.get(call.name)
    if tool is None:
        return ToolResult(ok=False, text=f"error: there is no tool named {call.name!r}")
    return tool.invoke(call.args)


def _run_all(calls: list[ToolCallRequest], tools: Mapping[str, Tool], control: RunControl,
             parallel: int) -> list[ToolResult]:
    if len(calls) == 1 or parallel <= 1:
        results = []
        for call in calls:
            control.check()
            results.append(_invoke(call, tools))
        return results
    pool = cf.ThreadPoolExecutor(max_workers=min(parallel, len(calls)), thread_name_prefix="agent-tool")
    try:
        futures = [pool.submit(_invoke, call, tools) for call in calls]
        pending = set(futures)
        while pending:
            control.check()
            _, pending = cf.wait(pending, timeout=WAIT_SLICE_S, return_when=cf.FIRST_COMPLETED)
        return [f.result() for f in futures]
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


def run_tool_calls(state: TurnState, calls: list[ToolCallRequest], tools: Mapping[str, Tool],
                   control: RunControl, outcomes: list[ToolOutcome]) -> Iterator[AgentEvent]:
    results = _run_all(calls, tools, control, state.config.parallel_tools)
    for call, result in zip(calls, results, strict=True):
        outcomes.append(ToolOutcome(call, result))
        name = (AgentEventName.DATASET_RETRIEVAL if call.name in state.config.dataset_tool_names
                else AgentEventName.AGENT_ACTION)
        yield state.event(name, tool=call.name, tool_input=call.args, observation=result.text,
                          latency=result.latency_s, persist=True)
    control.check()

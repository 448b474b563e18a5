"""Small tools and runners shared by the agent unit tests."""
from __future__ import annotations

import threading
from typing import Any

from internal.core.agent import AgentConfig, AgentEvent, AgentTurn, RunControl, collect_outcome, create_agent
from internal.core.tools.base import Deadline, Tool, ToolError

STRING_ARG = {"type": "object", "properties": {"q": {"type": "string"}}, "required": ["q"]}


class EchoTool(Tool):
    def __init__(self, name: str = "echo", on_call=None) -> None:
        super().__init__(name, "echo the query", STRING_ARG)
        self.received: list[dict[str, Any]] = []
        self.on_call = on_call

    def _run(self, arguments: dict[str, Any], deadline: Deadline) -> Any:
        self.received.append(arguments)
        if self.on_call:
            self.on_call()
        return f"{self.name}:{arguments['q']}"


class FailingTool(Tool):
    def __init__(self) -> None:
        super().__init__("broken", "always fails", STRING_ARG)

    def _run(self, arguments: dict[str, Any], deadline: Deadline) -> Any:
        raise ToolError("the service is down")


class BarrierTool(Tool):
    """Passes only when `parties` calls are inside at the same time: proves concurrency."""

    def __init__(self, name: str, barrier: threading.Barrier) -> None:
        super().__init__(name, "waits for its siblings", STRING_ARG)
        self.barrier = barrier

    def _run(self, arguments: dict[str, Any], deadline: Deadline) -> Any:
        try:
            self.barrier.wait(timeout=5)
        except threading.BrokenBarrierError:
            raise ToolError("ran alone") from None
        return f"{self.name} ran alongside"


def run(config: AgentConfig, query: str = "hi", control: RunControl | None = None, **turn: Any) -> list[AgentEvent]:
    turn_obj = AgentTurn(query=query, task_id="t1", message_id="m1", conversation_id="c1", **turn)
    return list(create_agent(config.agent_type, config).run(turn_obj, control))


def streamed(events: list[AgentEvent]) -> list[AgentEvent]:
    return [e for e in events if e.stream]


def ui_answer(events: list[AgentEvent]) -> str:
    """What the console shows as the answer: `thought` of streamed agent_message frames."""
    return "".join(e.thought for e in events if e.stream and e.event == "agent_message")


def names(events: list[AgentEvent], *, stream: bool = True) -> list[str]:
    return [str(e.event) for e in events if (e.stream if stream else e.persist)]


def outcome(events: list[AgentEvent]):
    return collect_outcome(events)

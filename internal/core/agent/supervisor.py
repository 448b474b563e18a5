"""The supervisor agent: multi-agent orchestration by delegation.

Each `Delegate` (another agent or a published app, configured by the service) becomes a tool
the supervisor's model may call with `{"message": …}`; calling it runs that agent's whole turn
(any registered type, its own model, tools and limits) and returns its answer as the
observation. Delegated turns share the supervisor's stop and deadline, their model calls are
added to the supervisor's token and price totals, and nesting is bounded by `max_depth`.
"""
from __future__ import annotations

from typing import Any

from internal.core.tools.base import Deadline, Tool, ToolError, ToolLimits

from .accounting import CallUsage
from .base import TurnState, create_agent, register_agent
from .control import RunControl
from .entities import AgentTurn, Delegate
from .function_calling import FunctionCallingAgent
from .outcome import collect_outcome
from .prompts import SUPERVISOR_PROMPT

_INPUT_SCHEMA = {"type": "object", "properties": {"message": {
    "type": "string", "description": "what this agent should do, with every detail it needs"}},
    "required": ["message"], "additionalProperties": False}


class DelegateTool(Tool):
    def __init__(self, delegate: Delegate, parent: TurnState, control: RunControl) -> None:
        super().__init__(delegate.name, delegate.description, _INPUT_SCHEMA,
                         ToolLimits(timeout_s=delegate.config.timeout_s, max_result_chars=16_000))
        self.delegate, self.parent, self.control = delegate, parent, control

    def _run(self, arguments: dict[str, Any], deadline: Deadline) -> Any:
        cfg = self.delegate.config
        if cfg.depth > cfg.max_depth:
            raise ToolError("delegation is nested too deeply")
        agent = create_agent(cfg.agent_type, cfg)
        turn = AgentTurn(query=arguments["message"], task_id=self.parent.turn.task_id,
                         message_id=self.parent.turn.message_id, conversation_id=self.parent.turn.conversation_id)
        outcome = collect_outcome(agent.run(turn, self.control.child(deadline.remaining())))
        self.parent.meter.add(CallUsage(outcome.message_tokens, outcome.answer_tokens, outcome.total_tokens,
                                        outcome.total_price))
        if outcome.status == "stop":
            raise ToolError("stopped")
        if outcome.status != "normal":
            raise ToolError(outcome.error or "the agent failed")
        return outcome.answer


@register_agent("supervisor")
class SupervisorAgent(FunctionCallingAgent):

    def system_prompt(self, turn: AgentTurn) -> str:
        names = "; ".join(f"{d.name} ({d.description})" for d in self.config.delegates) or "none"
        return SUPERVISOR_PROMPT.format(delegates=names) + super().system_prompt(turn)

    def tools(self, state: TurnState, control: RunControl) -> list[Tool]:
        for d in self.config.delegates:
            d.config.depth = max(d.config.depth, self.config.depth + 1)
        return [*self.config.tools, *(DelegateTool(d, state, control) for d in self.config.delegates)]

"""TurnHooks that write a turn into its message as it runs (course defect #12: steps are saved as
they happen, not after the stream): each step a `message_agent_thought` row, the outcome on the
message once, the new long-term memory on the conversation. Called on the run's own thread
inside the app context the chat service gives it."""
from __future__ import annotations

import uuid

from internal.core.agent import AgentEvent
from internal.core.agent.outcome import AgentOutcome
from internal.entity.app_entity import MessageStatus

from ..conversation_service import ConversationService


class MessageRecorder:
    def __init__(self, conversations: ConversationService, message_id: uuid.UUID, conversation_id: uuid.UUID):
        self.conversations, self.message_id, self.conversation_id = conversations, message_id, conversation_id
        self._position = 0

    def on_step(self, event: AgentEvent) -> None:
        self._position += 1
        price = (event.message_token_count * event.message_unit_price
                 + event.answer_token_count * event.answer_unit_price) * event.message_price_unit
        self.conversations.append_thought(
            self.message_id, str(event.event), thought=event.thought, observation=event.observation,
            tool=event.tool, tool_input=event.tool_input, message_token_count=event.message_token_count,
            answer_token_count=event.answer_token_count, price=price, latency=event.latency,
            position=self._position)

    def on_finish(self, outcome: AgentOutcome) -> None:
        self.conversations.finish_message(
            self.message_id, MessageStatus(outcome.status), answer=outcome.answer, error=outcome.error,
            message_token_count=outcome.message_tokens, answer_token_count=outcome.answer_tokens,
            price=outcome.total_price, latency=outcome.latency)

    def on_summary(self, summary: str) -> None:
        self.conversations.update_summary(self.conversation_id, summary)

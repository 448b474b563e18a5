"""Conversation memory of an agent turn.

Short-term: the latest dialog rounds, at most `dialog_round` of them and at most `max_tokens`
tokens together (whole rounds only, so the history always alternates human/AI). Long-term: a
running summary of the conversation, recalled into the system prompt and updated after each
turn through a `Summariser` (a port: the service passes one built on the app's model).
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage

from internal.core.language_model.usage import count_tokens

from .prompts import SUMMARY_PROMPT


def select_history(rounds: Sequence[tuple[str, str]], dialog_round: int, max_tokens: int = 0,
                   counter: Callable[[str], int] = count_tokens) -> list[BaseMessage]:
    """`rounds` oldest first as (human, ai); answers the newest rounds that fit, oldest first."""
    if dialog_round <= 0:
        return []
    picked: list[tuple[str, str]] = []
    used = 0
    for human, ai in reversed(rounds[-dialog_round:]):
        cost = counter(human) + counter(ai)
        if max_tokens > 0 and used + cost > max_tokens:
            break
        picked.append((human, ai))
        used += cost
    messages: list[BaseMessage] = []
    for human, ai in reversed(picked):
        messages.append(HumanMessage(content=human))
        messages.append(AIMessage(content=ai))
    return messages


class Summariser(Protocol):
    def summarise(self, previous: str, human: str, ai: str) -> str: ...


class ChatModelSummariser:
    """A summary written by a chat model, capped to `max_chars`."""

    def __init__(self, llm: BaseChatModel, max_chars: int = 2000) -> None:
        self.llm, self.max_chars = llm, max_chars

    def summarise(self, previous: str, human: str, ai: str) -> str:
        prompt = SUMMARY_PROMPT.format(summary=previous or "(none)", human=human, ai=ai)
        reply = self.llm.invoke([SystemMessage(content=prompt)])
        text = reply.content if isinstance(reply.content, str) else str(reply.content)
        return text.strip()[: self.max_chars]

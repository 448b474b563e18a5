"""The console's AI helpers: rewrite a preset prompt (streamed) and suggest follow-up questions
after an answer. Both call AI_HELPER_MODEL through the gateway with the caller's credentials (the
call is the caller's usage and cost)."""
from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

from injector import inject
from langchain_core.messages import HumanMessage, SystemMessage

from config import Config
from internal.exception import NotFoundException
from internal.model.conversation import Message
from internal.service.chat_model_factory import ChatModelFactory
from pkg.sqlalchemy import SQLAlchemy

OPTIMIZE_PROMPT = """You rewrite the preset prompt of an AI application so that it works better.
Keep the author's intent and every concrete requirement; make it structured and unambiguous:
a role, what the assistant does (skills, steps), how it answers (format, tone), and its limits.
Write the prompt in the same language as the original. Answer with the improved prompt only,
no preamble and no explanation."""

SUGGEST_PROMPT = """Given the last exchange of a conversation, suggest exactly three short
follow-up questions the user is likely to ask next, in the user's language, each under 40
characters. Answer with a JSON array of three strings and nothing else."""

MAX_SUGGESTIONS = 3


@inject
@dataclass
class AiService:
    conf: Config
    db: SQLAlchemy
    models: ChatModelFactory

    def _llm(self, account_id: uuid.UUID, temperature: float):
        provider, _, model = self.conf.AI_HELPER_MODEL.partition("/")
        return self.models.chat_model(account_id, provider, model, {"temperature": temperature})

    def optimize_prompt(self, account_id: uuid.UUID, prompt: str) -> Iterator[str]:
        """The improved prompt, as text deltas. The model is set up now (credentials read in the
        request); the returned iterator is read by the server after the request has ended."""
        llm = self._llm(account_id, 0.5)

        def deltas() -> Iterator[str]:
            for chunk in llm.stream([SystemMessage(content=OPTIMIZE_PROMPT), HumanMessage(content=prompt)]):
                if chunk.content:
                    yield str(chunk.content)

        return deltas()

    def suggested_questions(self, account_id: uuid.UUID, message_id: uuid.UUID) -> list[str]:
        message = self.db.session.get(Message, message_id)
        if message is None or message.is_deleted or message.created_by != account_id:
            raise NotFoundException("message not found")
        exchange = f"User: {message.query[:2000]}\nAssistant: {message.answer[:4000]}"
        reply = self._llm(account_id, 0.7).invoke([SystemMessage(content=SUGGEST_PROMPT),
                                                   HumanMessage(content=exchange)])
        return parse_questions(str(reply.content))


def parse_questions(text: str) -> list[str]:
    """A JSON array when the model gives one (possibly fenced), else one question per line."""
    match = re.search(r"\[.*\]", text, re.S)
    if match:
        try:
            items = json.loads(match.group(0))
            if isinstance(items, list):
                return [str(q).strip() for q in items if str(q).strip()][:MAX_SUGGESTIONS]
        except ValueError:
            pass
    lines = [re.sub(r"^\s*(?:[-*•]|\d+[.)、])\s*", "", line).strip() for line in text.splitlines()]
    return [q for q in lines if q][:MAX_SUGGESTIONS]

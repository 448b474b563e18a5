"""One chat-model call for the LLM, classifier and extractor nodes: the model comes from the
ChatModelFactory port (the gateway's RoutedChatModel in the app), text is streamed as chunk
events when asked, tokens and price are counted from the usage the model reports."""
from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass

from langchain_core.messages import AIMessageChunk, BaseMessage

from ..entities.nodes import ModelConfig
from ..ports import PortError
from .base import NodeError

log = logging.getLogger(__name__)


@dataclass
class ModelReply:
    text: str
    input_tokens: int = 0
    output_tokens: int = 0
    price: float = 0.0

    @property
    def total_tokens(self) -> int:
        return self.input_tokens + self.output_tokens


def _text(content) -> str:
    """A message's text: content is a string, or a list of blocks (strings or {type: text})."""
    if isinstance(content, str):
        return content
    parts = []
    for block in content or []:
        if isinstance(block, str):
            parts.append(block)
        elif isinstance(block, dict) and block.get("type") == "text":
            parts.append(str(block.get("text", "")))
    return "".join(parts)


def call_model(ctx, config: ModelConfig, messages: list[BaseMessage], stream: bool) -> ModelReply:
    factory = ctx.run.ports.chat_models
    if factory is None:
        raise NodeError("no language model is configured for workflows")
    try:
        model = factory.create(config, ctx.run.caller)
        if stream:
            gathered: AIMessageChunk | None = None
            for chunk in model.stream(messages):
                delta = _text(chunk.content)
                if delta:
                    ctx.emit_chunk(delta)
                gathered = chunk if gathered is None else gathered + chunk
            message = gathered
        else:
            message = model.invoke(messages)
    except (PortError, NodeError) as exc:
        raise NodeError(str(exc)) from None
    except Exception as exc:
        ref = uuid.uuid4().hex[:8]
        log.warning("workflow model call failed (ref %s): %s", ref, type(exc).__name__, exc_info=True)
        message_text = getattr(exc, "message", None)  # the gateway's errors carry a user-safe message
        raise NodeError(f"the model call failed: {message_text}" if isinstance(message_text, str)
                        else f"the model call failed (ref {ref})") from None
    if message is None:
        return ModelReply("")
    text = _text(message.content)
    usage = getattr(message, "usage_metadata", None) or {}
    reply = ModelReply(text, int(usage.get("input_tokens") or 0), int(usage.get("output_tokens") or 0))
    try:
        reply.price = float(factory.price(config, reply.input_tokens, reply.output_tokens))
    except Exception:  # pricing is bookkeeping; never fail the node for it
        log.warning("pricing failed for %s/%s", config.provider, config.model, exc_info=True)
    return reply

"""What a request needs from a deployment (tools, vision, JSON mode, context) and its task class.

Built by the gateway only for `task_aware` groups, from the already validated OpenAI body.
Token counts use the character heuristic (~4 characters per token, 1 per CJK character): the
hard context check must be cheap, and it only has to be right to within a few percent.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..usage import heuristic_token_count
from .task_classes import CHAT, classify

TOOL_CALL = "tool_call"
VISION = "image_input"
JSON_MODE = "json_mode"
_IMAGE_PARTS = ("image_url", "input_image", "image")


@dataclass(frozen=True)
class RouteRequest:
    task: str = CHAT
    needs_tools: bool = False
    needs_vision: bool = False
    needs_json: bool = False
    prompt_tokens: int = 0
    max_tokens: int = 0

    @property
    def needs(self) -> tuple[str, ...]:
        return tuple(f for f, on in ((TOOL_CALL, self.needs_tools), (VISION, self.needs_vision),
                                     (JSON_MODE, self.needs_json)) if on)


def _tokens(text: str) -> int:
    return (len(text) + 3) // 4 if text.isascii() else heuristic_token_count(text)


def _text_of(content: Any) -> tuple[str, bool]:
    """(text, has_image) of a message's content (a string or a list of parts)."""
    if isinstance(content, str):
        return content, False
    if not isinstance(content, list):
        return "", False
    parts, image = [], False
    for p in content:
        if isinstance(p, dict):
            if p.get("type") in _IMAGE_PARTS:
                image = True
            elif isinstance(p.get("text"), str):
                parts.append(p["text"])
    return "\n".join(parts), image


def _max_tokens(body: dict[str, Any]) -> int:
    v = body.get("max_completion_tokens") or body.get("max_tokens") or 0
    return v if isinstance(v, int) and not isinstance(v, bool) else 0


def profile_chat(body: dict[str, Any], long_document_tokens: int) -> RouteRequest:
    tokens = 3
    vision = False
    user_text = system_text = ""
    for m in body.get("messages") or ():
        text, image = _text_of(m.get("content"))
        vision = vision or image
        tokens += 4 + _tokens(text) + (85 if image else 0)  # 85: a low-detail image, the smallest
        role = m.get("role")
        if role == "user":
            user_text = text
        elif role in ("system", "developer") and not system_text:
            system_text = text
    tools = body.get("tools")  # legacy `functions` is not forwarded upstream, so it needs nothing
    if tools:
        tokens += sum(_tokens(str(t)) for t in tools)
    rf = body.get("response_format")
    needs_json = isinstance(rf, dict) and rf.get("type") in ("json_object", "json_schema")
    return RouteRequest(task=classify(user_text, system_text, tokens, long_document_tokens),
                        needs_tools=bool(tools), needs_vision=vision, needs_json=needs_json,
                        prompt_tokens=tokens, max_tokens=_max_tokens(body))


def profile_completion(body: dict[str, Any], long_document_tokens: int) -> RouteRequest:
    prompt = body.get("prompt")
    text = prompt if isinstance(prompt, str) else "\n".join(p for p in prompt or () if isinstance(p, str))
    tokens = _tokens(text)
    return RouteRequest(task=classify(text, "", tokens, long_document_tokens), prompt_tokens=tokens,
                        max_tokens=_max_tokens(body))

"""Published apps as models of the OpenAI-compatible API: `GET /v1/models` lists each published
app of the key's account as `app-<uuid>` (with its name), and `POST /v1/chat/completions` with
that id — or the app's exact name — runs the app's agent (tools, datasets, review) on the
published config, blocking or streamed in OpenAI's shapes. The request's `messages` carry the
history (the last one is the user's turn); nothing is saved as a conversation."""
from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from injector import inject
from sqlalchemy import select

from internal.core.streaming.channel import TaskOwner
from internal.entity.app_entity import AppConfig, AppStatus
from internal.exception import NotFoundException, UpstreamException, ValidateErrorException
from internal.model.app import App
from internal.service.base_service import get_owned
from pkg.json_codec import dumps
from pkg.sqlalchemy import SQLAlchemy

from ..app_publish_service import AppPublishService
from .chat_turns import ChatTurns, StartedTurn

PREFIX = "app-"
OWNED_BY = "llmops-app"
_END_EVENTS = {"agent_end", "stop", "error", "timeout"}


@dataclass
class AppModel:
    app: App
    config: AppConfig
    model_id: str


@inject
@dataclass
class AppModelService:
    db: SQLAlchemy
    publishing: AppPublishService
    turns: ChatTurns

    # -- discovery -------------------------------------------------------------------------
    def models(self, account_id: uuid.UUID) -> list[dict[str, Any]]:
        rows = self.db.session.scalars(select(App).where(App.account_id == account_id,
                                                         App.status == AppStatus.PUBLISHED.value)
                                       .order_by(App.created_at))
        return [{"id": f"{PREFIX}{a.id}", "object": "model", "created": int(a.created_at.timestamp()),
                 "owned_by": OWNED_BY, "name": a.name} for a in rows]

    def find(self, account_id: uuid.UUID, model: str) -> AppModel | None:
        """The published app named by `app-<uuid>` or by its exact (unique) name, else None."""
        app = None
        if model.startswith(PREFIX):
            try:
                app = get_owned(self.db, App, model[len(PREFIX):], account_id)
            except NotFoundException:
                return None
        elif model:
            found = list(self.db.session.scalars(select(App).where(
                App.account_id == account_id, App.name == model, App.status == AppStatus.PUBLISHED.value).limit(2)))
            app = found[0] if len(found) == 1 else None
        if app is None:
            return None
        config = self.publishing.published_config(app)
        return AppModel(app, config, f"{PREFIX}{app.id}") if config is not None else None

    # -- completions -----------------------------------------------------------------------
    def complete(self, target: AppModel, body: dict[str, Any]) -> dict[str, Any]:
        started, created = self._start(target, body), int(time.time())
        answer, usage, error, _ = collect_turn(self.turns.events(started))
        if error:  # the turn failed (the model, a tool): the agent's client-safe message
            raise UpstreamException(error)
        return {"id": f"chatcmpl-{started.task_id}", "object": "chat.completion", "created": created,
                "model": target.model_id, "choices": [{"index": 0, "finish_reason": "stop", "logprobs": None,
                                                      "message": {"role": "assistant", "content": answer,
                                                                  "refusal": None}}],
                "usage": usage}

    def stream(self, target: AppModel, body: dict[str, Any]) -> Iterator[bytes]:
        started, created = self._start(target, body), int(time.time())
        include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
        return _chunks(self.turns.events(started), f"chatcmpl-{started.task_id}", target.model_id, created,
                       include_usage)

    def _start(self, target: AppModel, body: dict[str, Any]) -> StartedTurn:
        history, query = split_messages(body.get("messages"))
        return self.turns.start_stateless(target.app.account_id, target.config, history, query,
                                          TaskOwner.account(target.app.account_id))


def split_messages(messages: Any) -> tuple[list[tuple[str, str]], str]:
    """OpenAI messages → (history rounds, the user's turn). System messages are the app's own
    business (its preset prompt), so those of the request are ignored."""
    if not isinstance(messages, list) or not messages:
        raise ValidateErrorException("'messages' must be a non-empty array.", param="messages")
    turns = [(m.get("role"), _text(m.get("content"))) for m in messages if isinstance(m, dict)]
    turns = [(r, c) for r, c in turns if r in ("user", "assistant")]
    if not turns or turns[-1][0] != "user" or not turns[-1][1].strip():
        raise ValidateErrorException("The last message must be a user message with text.", param="messages")
    history, pending = [], None
    for role, content in turns[:-1]:
        if role == "user":
            pending = content
        elif pending is not None:
            history.append((pending, content))
            pending = None
    return history, turns[-1][1]


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):  # content parts: the text ones
        return "".join(p.get("text", "") for p in content if isinstance(p, dict) and p.get("type") == "text")
    return ""


def _usage(frames_usage: tuple[int, int]) -> dict[str, int]:
    prompt, completion = frames_usage
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}


_STEP_EVENTS = {"agent_thought", "agent_action", "dataset_retrieval"}


def collect_turn(events: Iterator[tuple[str, dict]]) -> tuple[str, dict[str, int], str, list[dict]]:
    """A whole run read off its frames: (answer, usage, error message or "", steps)."""
    answer, prompt, completion, error, steps = [], 0, 0, "", []
    for event, data in events:
        prompt += int(data.get("message_token_count") or 0)
        completion += int(data.get("answer_token_count") or 0)
        if event == "agent_message":
            answer.append(data.get("thought") or "")
        elif event in _STEP_EVENTS:
            steps.append({"event": event, "thought": data.get("thought", ""), "tool": data.get("tool", ""),
                          "tool_input": data.get("tool_input") or {}, "observation": data.get("observation", ""),
                          "latency": data.get("latency", 0)})
        elif event in ("error", "timeout"):
            error = data.get("observation") or "the app failed to answer"
    return "".join(answer), _usage((prompt, completion)), error, steps


def _chunks(events: Iterator[tuple[str, dict]], cid: str, model: str, created: int,
            include_usage: bool) -> Iterator[bytes]:
    def chunk(delta: dict, finish: str | None = None, usage: dict | None = None) -> bytes:
        body: dict[str, Any] = {"id": cid, "object": "chat.completion.chunk", "created": created, "model": model,
                                "choices": [] if usage else [{"index": 0, "delta": delta, "finish_reason": finish,
                                                              "logprobs": None}]}
        if usage:
            body["usage"] = usage
        return b"data: " + dumps(body) + b"\n\n"

    prompt = completion = 0
    yield chunk({"role": "assistant", "content": ""})
    for event, data in events:
        prompt += int(data.get("message_token_count") or 0)
        completion += int(data.get("answer_token_count") or 0)
        if event == "ping":
            yield b": ping\n\n"
        elif event == "agent_message" and data.get("thought"):
            yield chunk({"content": data["thought"]})
        elif event in ("error", "timeout"):
            error = {"message": data.get("observation") or "the app failed to answer", "type": "server_error",
                     "param": None, "code": "app_error"}
            yield b"data: " + dumps({"error": error}) + b"\n\n"
            break
        elif event in _END_EVENTS:
            yield chunk({}, "stop")
            if include_usage:
                yield chunk({}, usage=_usage((prompt, completion)))
            break
    yield b"data: [DONE]\n\n"

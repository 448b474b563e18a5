"""Shared helpers of the apps tests: create apps and seed conversations through the service the
chat runtime writes with (ConversationService), the way a chat run would."""
from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import update

from internal.model.app import App
from internal.model.conversation import Message
from internal.service.app.conversation_service import ConversationService
from pkg.sqlalchemy import SQLAlchemy

ICON = "https://cdn.example.com/icon.png"


def create_app(console, name: str = "客服助手", **extra) -> str:
    body = {"name": name, "icon": ICON, "description": "回答售后问题", **extra}
    resp = console.post("/apps", json=body)
    assert resp["code"] == "success", resp
    return resp["data"]["id"]


def services(flask_app):
    injector = flask_app.extensions["injector"]
    return injector.get(SQLAlchemy), injector.get(ConversationService)


def seed_turn(flask_app, conversation_id: uuid.UUID, query: str, answer: str, *, status: str = "normal",
              answer_tokens: int = 10, prompt_tokens: int = 5, price: float = 0.001, latency: float = 1.0,
              created_at: datetime | None = None, thoughts: int = 1) -> uuid.UUID:
    """One finished chat turn: start → steps → finish, optionally back-dated."""
    db, conversations = services(flask_app)
    with flask_app.app_context():
        from internal.model.conversation import Conversation

        conv = db.session.get(Conversation, conversation_id)
        message = conversations.start_message(conv, query, task_id=uuid.uuid4())
        for i in range(thoughts):
            conversations.append_thought(message.id, "agent_thought" if i < thoughts - 1 else "agent_message",
                                         thought=f"step {i}", tool="", tool_input={"i": i}, latency=0.1)
        assert conversations.finish_message(message.id, status, answer=answer, message_token_count=prompt_tokens,
                                            answer_token_count=answer_tokens, price=price, latency=latency)
        if created_at is not None:
            with db.auto_commit():
                db.session.execute(update(Message).where(Message.id == message.id).values(created_at=created_at))
        return message.id


def new_conversation(flask_app, app_id: str, invoke_from: str, created_by: uuid.UUID) -> uuid.UUID:
    db, conversations = services(flask_app)
    with flask_app.app_context():
        if invoke_from == "debugger":
            return conversations.get_or_create_debug_conversation(db.session.get(App, uuid.UUID(app_id))).id
        return conversations.create_conversation(uuid.UUID(app_id), invoke_from, created_by).id

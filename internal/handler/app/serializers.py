"""Dumps of app rows in the console's shapes (shared by the app, conversation and web-app handlers)."""
from __future__ import annotations

from internal.model.app import App, AppConfigVersion
from internal.model.conversation import Conversation, Message, MessageAgentThought
from internal.schema.auth_schema import unix_seconds


def dump_app(app: App, draft: AppConfigVersion) -> dict:
    return {
        "id": str(app.id),
        "debug_conversation_id": str(app.debug_conversation_id) if app.debug_conversation_id else "",
        "name": app.name, "icon": app.icon, "description": app.description, "status": app.status,
        "draft_updated_at": unix_seconds(draft.updated_at),
        "updated_at": unix_seconds(app.updated_at), "created_at": unix_seconds(app.created_at),
    }


def dump_app_list_item(app: App, config: dict) -> dict:
    model = config.get("model_config") or {}
    return {
        "id": str(app.id), "name": app.name, "icon": app.icon, "description": app.description,
        "preset_prompt": config.get("preset_prompt", ""),
        "model_config": {"provider": model.get("provider", ""), "model": model.get("model", "")},
        "status": app.status, "updated_at": unix_seconds(app.updated_at), "created_at": unix_seconds(app.created_at),
    }


def dump_thought(t: MessageAgentThought) -> dict:
    return {"id": str(t.id), "position": t.position, "event": t.event, "thought": t.thought,
            "observation": t.observation, "tool": t.tool, "tool_input": t.tool_input, "latency": t.latency,
            "created_at": unix_seconds(t.created_at)}


def dump_message(m: Message, thoughts: list[MessageAgentThought]) -> dict:
    return {
        "id": str(m.id), "conversation_id": str(m.conversation_id), "query": m.query,
        "image_urls": list(m.image_urls or []), "answer": m.answer, "status": m.status, "error": m.error,
        "total_token_count": m.total_token_count, "latency": m.latency,
        "agent_thoughts": [dump_thought(t) for t in thoughts], "created_at": unix_seconds(m.created_at),
    }


def dump_conversation(c: Conversation) -> dict:
    return {"id": str(c.id), "name": c.name, "summary": c.summary, "created_at": unix_seconds(c.created_at)}

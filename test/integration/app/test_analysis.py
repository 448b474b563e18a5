"""/analysis/<app_id>: figures of both periods, their change, the daily trend, and the cache
(kept while nothing changes, dropped when a message finishes) — on SQLite and PostgreSQL."""
from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from internal.model.conversation import Message
from test.conftest import ConsoleClient, make_account

from .helpers import create_app, new_conversation, seed_turn, services


def test_figures_change_and_trend(db_app):
    c = ConsoleClient(db_app, make_account(db_app))
    app_id = create_app(c)
    c.post(f"/apps/{app_id}/publish")
    now = datetime.now(UTC)
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    today = midnight + (now - midnight) / 2  # earlier today, never in the future
    yesterday = midnight - timedelta(hours=12)
    a, b = c.account.account_id, uuid.uuid4()  # b: an end user of the service API
    conv_a = new_conversation(db_app, app_id, "web_app", a)
    conv_b = new_conversation(db_app, app_id, "service_api", b)
    conv_old = new_conversation(db_app, app_id, "web_app", a)
    # current period (last 7 days incl. today): 4 messages, 2 people, 2 conversations
    for conv in (conv_a, conv_a, conv_b):
        seed_turn(db_app, conv, "q", "a", answer_tokens=10, latency=1.0, price=0.001, created_at=yesterday)
    seed_turn(db_app, conv_a, "q", "a", answer_tokens=30, latency=2.0, price=0.002, created_at=today)
    # previous period: 2 messages, 1 person, 1 conversation
    for _ in range(2):
        seed_turn(db_app, conv_old, "q", "a", answer_tokens=20, latency=2.0, price=0.001,
                  created_at=midnight - timedelta(days=8))
    # outside both periods, and a message still running: not counted
    seed_turn(db_app, conv_old, "q", "a", created_at=midnight - timedelta(days=20))
    db, conversations = services(db_app)
    with db_app.app_context():
        from internal.model.conversation import Conversation

        conversations.start_message(db.session.get(Conversation, conv_a), "still running")

    data = c.get(f"/analysis/{app_id}")["data"]
    assert data["total_messages"] == {"data": 4, "pop": 1.0}
    assert data["active_accounts"] == {"data": 2, "pop": 1.0}
    assert data["avg_of_conversation_messages"] == {"data": 2.0, "pop": 0.0}
    assert data["token_output_rate"] == {"data": 12.0, "pop": 0.2}  # (3*10+30) / (3*1.0+2.0) vs 40/4
    assert data["cost_consumption"]["data"] == 0.005 and data["cost_consumption"]["pop"] == 1.5
    trend = data["total_messages_trend"]
    assert len(trend["x_axis"]) == 7 and trend["x_axis"][-1] == int(midnight.timestamp())
    assert trend["y_axis"] == [0, 0, 0, 0, 0, 3, 1]
    assert data["active_accounts_trend"]["y_axis"][-2:] == [2, 1]
    assert data["avg_of_conversation_messages_trend"]["y_axis"][-2:] == [1.5, 1.0]
    assert data["cost_consumption_trend"]["y_axis"][-2:] == [0.003, 0.002]
    assert data["token_output_rate_trend"]["y_axis"][-1] == 15.0

    # cached: a change behind the service's back does not show ...
    with db_app.app_context():
        with db.auto_commit():
            db.session.execute(update(Message).where(Message.app_id == uuid.UUID(app_id)).values(price=1.0))
    assert c.get(f"/analysis/{app_id}")["data"]["cost_consumption"]["data"] == 0.005
    # ... and a finished message invalidates the cache
    seed_turn(db_app, conv_b, "q", "a", created_at=yesterday)
    fresh = c.get(f"/analysis/{app_id}")["data"]
    assert fresh["total_messages"]["data"] == 5 and fresh["cost_consumption"]["data"] == 4.001


def test_an_app_without_messages(db_app):
    c = ConsoleClient(db_app, make_account(db_app))
    data = c.get(f"/analysis/{create_app(c)}")["data"]
    assert data["total_messages"] == {"data": 0, "pop": 0.0} and data["token_output_rate"] == {"data": 0.0, "pop": 0.0}
    assert data["total_messages_trend"]["y_axis"] == [0] * 7

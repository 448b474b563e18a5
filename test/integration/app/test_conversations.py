"""Conversations and messages: written through ConversationService (as the chat runtime does),
read over the console routes (cursor pages, name, pin, delete) — each caller sees only theirs."""
from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from internal.exception import NotFoundException
from internal.model.conversation import Message
from pkg.sqlalchemy import SQLAlchemy

from .helpers import create_app, new_conversation, seed_turn, services


def published_web_app(console) -> tuple[str, str]:
    app_id = create_app(console)
    console.post(f"/apps/{app_id}/publish")
    return app_id, console.get(f"/apps/{app_id}/published-config")["data"]["web_app"]["token"]


def test_message_pages_follow_the_created_at_cursor(app, console):
    app_id, _ = published_web_app(console)
    conv = new_conversation(app, app_id, "web_app", console.account.account_id)
    base = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)
    ids = [seed_turn(app, conv, f"问题 {i}", f"回答 {i}", created_at=base + timedelta(minutes=i), thoughts=2)
           for i in range(7)]
    page1 = console.get(f"/conversations/{conv}/messages", query_string={"current_page": 1, "page_size": 5})["data"]
    assert page1["paginator"] == {"total_page": 2, "total_record": 7, "current_page": 1, "page_size": 5}
    assert [m["id"] for m in page1["list"]] == [str(i) for i in reversed(ids[2:])]
    first = page1["list"][0]
    assert set(first) >= {"id", "conversation_id", "query", "answer", "total_token_count", "latency",
                          "agent_thoughts", "created_at"}
    assert first["query"] == "问题 6" and first["answer"] == "回答 6" and first["total_token_count"] == 15
    assert [t["position"] for t in first["agent_thoughts"]] == [1, 2]
    assert set(first["agent_thoughts"][0]) == {"id", "position", "event", "thought", "observation", "tool",
                                               "tool_input", "latency", "created_at"}
    cursor = first["created_at"]

    # a newer message arrives while the user scrolls; page 2 under the cursor does not shift
    seed_turn(app, conv, "新问题", "新回答", created_at=base + timedelta(hours=1))
    page2 = console.get(f"/conversations/{conv}/messages",
                        query_string={"current_page": 2, "page_size": 5, "created_at": cursor})["data"]
    assert [m["id"] for m in page2["list"]] == [str(ids[1]), str(ids[0])]
    assert page2["paginator"]["total_record"] == 7
    fresh = console.get(f"/conversations/{conv}/messages")["data"]
    assert fresh["list"][0]["query"] == "新问题" and fresh["paginator"]["page_size"] == 5  # the console's default

    assert console.get(f"/conversations/{conv}/messages", query_string={"created_at": -1})["code"] == "validate_error"
    assert console.get(f"/conversations/{conv}/messages", query_string={"page_size": 0})["code"] == "validate_error"


def test_running_messages_are_listed_once_they_end(app, console):
    app_id, _ = published_web_app(console)
    conv = new_conversation(app, app_id, "web_app", console.account.account_id)
    db, conversations = services(app)
    with app.app_context():
        from internal.model.conversation import Conversation

        running = conversations.start_message(db.session.get(Conversation, conv), "还在想")
    assert console.get(f"/conversations/{conv}/messages")["data"]["list"] == []
    with app.app_context():
        assert conversations.finish_message(running.id, "stop", answer="半截", answer_token_count=3)
        assert not conversations.finish_message(running.id, "error", error="late")  # the first outcome stays
    listed = console.get(f"/conversations/{conv}/messages")["data"]["list"]
    assert [(m["answer"], m["status"]) for m in listed] == [("半截", "stop")]


def test_name_pin_delete_and_the_web_app_list(app, console):
    app_id, token = published_web_app(console)
    me = console.account.account_id
    convs = [new_conversation(app, app_id, "web_app", me) for _ in range(3)]
    msg = seed_turn(app, convs[0], "q", "a")
    keep = seed_turn(app, convs[0], "q2", "a2")

    assert console.get(f"/conversations/{convs[0]}/name")["data"] == {"name": "New Conversation"}
    assert console.post(f"/conversations/{convs[0]}/name", json={"name": "  退货咨询 "})["code"] == "success"
    assert console.get(f"/conversations/{convs[0]}/name")["data"]["name"] == "退货咨询"
    assert console.post(f"/conversations/{convs[0]}/name", json={"name": "  "})["code"] == "validate_error"
    assert console.post(f"/conversations/{convs[0]}/name", json={"name": "x" * 101})["code"] == "validate_error"
    assert console.post(f"/conversations/{convs[1]}/is-pinned", json={"is_pinned": True})["code"] == "success"
    assert console.post(f"/conversations/{convs[1]}/is-pinned", json={"is_pinned": "maybe"})["code"] == "validate_error"

    pinned = console.get(f"/web-apps/{token}/conversations", query_string={"is_pinned": "true"})["data"]
    assert isinstance(pinned, list) and [c["id"] for c in pinned] == [str(convs[1])]
    assert set(pinned[0]) == {"id", "name", "summary", "created_at"}
    unpinned = console.get(f"/web-apps/{token}/conversations", query_string={"is_pinned": "false"})["data"]
    assert {c["id"] for c in unpinned} == {str(convs[0]), str(convs[2])}
    assert console.get(f"/web-apps/{token}/conversations", query_string={"is_pinned": "sometimes"})["code"] == "validate_error"

    # the table's path and the console's variant both delete a message
    assert console.post(f"/conversations/{convs[0]}/messages/{msg}/delete")["code"] == "success"
    assert console.post(f"/conversations/{convs[0]}/messages/{msg}")["code"] == "not_found"  # already gone
    assert [m["id"] for m in console.get(f"/conversations/{convs[0]}/messages")["data"]["list"]] == [str(keep)]
    assert console.post(f"/conversations/{convs[0]}/messages/{keep}")["code"] == "success"
    assert console.get(f"/conversations/{convs[0]}/messages")["data"]["list"] == []
    assert console.post(f"/conversations/{convs[1]}/messages/{keep}/delete")["code"] == "not_found"  # wrong conversation

    assert console.post(f"/conversations/{convs[2]}/delete")["code"] == "success"
    assert console.get(f"/conversations/{convs[2]}/messages")["code"] == "not_found"
    assert [c["id"] for c in console.get(f"/web-apps/{token}/conversations")["data"]] == [str(convs[1]), str(convs[0])]
    # soft deletion: the usage rows remain for the app's analysis
    db, _ = services(app)
    with app.app_context():
        assert db.session.get(Message, msg).is_deleted is True


def test_nobody_else_sees_a_conversation(app, console, other_console):
    app_id, token = published_web_app(console)
    mine = new_conversation(app, app_id, "web_app", console.account.account_id)
    msg = seed_turn(app, mine, "私密问题", "私密回答")
    theirs = new_conversation(app, app_id, "web_app", other_console.account.account_id)
    seed_turn(app, theirs, "他们的问题", "他们的回答")
    o = other_console
    for method, path, body in [
        ("GET", f"/conversations/{mine}/messages", None),
        ("GET", f"/conversations/{mine}/name", None),
        ("POST", f"/conversations/{mine}/name", {"name": "x"}),
        ("POST", f"/conversations/{mine}/is-pinned", {"is_pinned": True}),
        ("POST", f"/conversations/{mine}/delete", None),
        ("POST", f"/conversations/{mine}/messages/{msg}/delete", None),
        ("POST", f"/conversations/{mine}/messages/{msg}", None),
        ("GET", f"/conversations/{uuid.uuid4()}/messages", None),
    ]:
        resp = o.call(method, path, json=body) if body is not None else o.call(method, path)
        assert resp["code"] == "not_found", (method, path, resp)
    # the web app lists each visitor's own conversations only
    assert [c["id"] for c in o.get(f"/web-apps/{token}/conversations")["data"]] == [str(theirs)]
    assert [c["id"] for c in console.get(f"/web-apps/{token}/conversations")["data"]] == [str(mine)]
    assert console.get(f"/conversations/{mine}/messages")["data"]["list"][0]["query"] == "私密问题"
    assert console.get(f"/conversations/{theirs}/messages")["code"] == "not_found"


def test_debug_conversation_messages_summary_and_clearing(app, console, other_console):
    app_id = create_app(console)
    assert console.get(f"/apps/{app_id}/conversations/messages")["data"] == {
        "list": [], "paginator": {"total_page": 1, "total_record": 0, "current_page": 1, "page_size": 5}}
    assert console.get(f"/apps/{app_id}/summary")["data"] == {"summary": ""}
    assert console.post(f"/apps/{app_id}/summary", json={"summary": "用户叫小王"})["code"] == "fail"  # memory off
    console.post(f"/apps/{app_id}/draft-app-config", json={"long_term_memory": {"enable": True}})
    assert console.post(f"/apps/{app_id}/summary", json={"summary": "用户叫小王"})["code"] == "success"
    assert console.get(f"/apps/{app_id}/summary")["data"]["summary"] == "用户叫小王"

    debug = new_conversation(app, app_id, "debugger", console.account.account_id)
    assert console.get(f"/apps/{app_id}")["data"]["debug_conversation_id"] == str(debug)
    seed_turn(app, debug, "调试问题", "调试回答", thoughts=3)
    page = console.get(f"/apps/{app_id}/conversations/messages")["data"]
    assert [m["query"] for m in page["list"]] == ["调试问题"] and len(page["list"][0]["agent_thoughts"]) == 3
    # the owner also reaches it by id; the debug conversation cannot be pinned
    assert console.get(f"/conversations/{debug}/messages")["data"]["paginator"]["total_record"] == 1
    assert console.post(f"/conversations/{debug}/is-pinned", json={"is_pinned": True})["code"] == "validate_error"

    assert console.post(f"/apps/{app_id}/conversations/delete-debug-conversation")["code"] == "success"
    assert console.get(f"/apps/{app_id}")["data"]["debug_conversation_id"] == ""
    assert console.get(f"/apps/{app_id}/conversations/messages")["data"]["list"] == []
    assert console.get(f"/apps/{app_id}/summary")["data"]["summary"] == ""
    assert console.get(f"/conversations/{debug}/messages")["code"] == "not_found"
    # the next debug chat starts a fresh conversation
    again = new_conversation(app, app_id, "debugger", console.account.account_id)
    assert again != debug


def test_deleting_an_app_removes_its_conversations(app, console):
    app_id, _ = published_web_app(console)
    conv = new_conversation(app, app_id, "web_app", console.account.account_id)
    seed_turn(app, conv, "q", "a")
    console.post(f"/apps/{app_id}/delete")
    db: SQLAlchemy = app.extensions["injector"].get(SQLAlchemy)
    with app.app_context():
        assert db.session.query(Message).count() == 0
    assert console.get(f"/conversations/{conv}/messages")["code"] == "not_found"


def test_a_run_records_from_a_background_thread_without_a_request(app, console):
    """The chat runtime runs apart from the HTTP request: an app context is all it needs, and each
    step is readable while the message is still running."""
    import threading

    app_id = create_app(console)
    conv = new_conversation(app, app_id, "debugger", console.account.account_id)
    _, conversations = services(app)
    seen: dict = {}

    def run() -> None:
        with app.app_context():
            from internal.model.conversation import Conversation, MessageAgentThought

            db = app.extensions["injector"].get(SQLAlchemy)
            message = conversations.start_message(db.session.get(Conversation, conv), "几点了？", task_id=uuid.uuid4())
            conversations.append_thought(message.id, "agent_action", tool="current_time",
                                         tool_input={"timezone": "Asia/Shanghai"}, observation="10:00", latency=0.2)
            seen["steps_while_running"] = db.session.query(MessageAgentThought).filter_by(message_id=message.id).count()
            conversations.append_thought(message.id, "agent_message", thought="现在是10点", message_token_count=12,
                                         answer_token_count=4, price=0.0001)
            seen["finished"] = conversations.finish_message(message.id, "normal", answer="现在是10点",
                                                            message_token_count=30, answer_token_count=9,
                                                            price=0.0003, latency=0.9)
            db.session.remove()

    worker = threading.Thread(target=run)
    worker.start()
    worker.join(timeout=30)
    assert not worker.is_alive() and seen == {"steps_while_running": 1, "finished": True}
    message = console.get(f"/apps/{app_id}/conversations/messages")["data"]["list"][0]
    assert message["answer"] == "现在是10点" and message["total_token_count"] == 39 and message["latency"] == 0.9
    steps = message["agent_thoughts"]
    assert [(s["position"], s["event"], s["tool"]) for s in steps] == [(1, "agent_action", "current_time"),
                                                                        (2, "agent_message", "")]
    assert steps[0]["tool_input"] == {"timezone": "Asia/Shanghai"} and steps[0]["observation"] == "10:00"


def test_end_users_and_continued_conversations_stay_within_their_app(app, console):
    app_a, app_b = create_app(console, "A"), create_app(console, "B")
    db, conversations = services(app)
    with app.app_context():
        from internal.model.app import App

        a, b = db.session.get(App, uuid.UUID(app_a)), db.session.get(App, uuid.UUID(app_b))
        user = conversations.get_or_create_end_user(a)
        assert user.account_id == a.account_id and user.app_id == a.id
        assert conversations.get_or_create_end_user(a, str(user.id)).id == user.id
        for bad in (str(uuid.uuid4()), "garbage"):
            with pytest.raises(NotFoundException):
                conversations.get_or_create_end_user(a, bad)
        with pytest.raises(NotFoundException):  # another app's end user
            conversations.get_or_create_end_user(b, str(user.id))
        conv = conversations.create_conversation(a.id, "service_api", user.id)
        assert conversations.find_conversation(a.id, "service_api", user.id, str(conv.id)).id == conv.id
        for args in ((b.id, "service_api", user.id), (a.id, "web_app", user.id), (a.id, "service_api", uuid.uuid4())):
            with pytest.raises(NotFoundException):
                conversations.find_conversation(*args, str(conv.id))


def test_history_for_the_next_turn_and_the_sweep_of_dead_runs(app, console):
    app_id = create_app(console)
    conv = new_conversation(app, app_id, "debugger", console.account.account_id)
    base = datetime.now(UTC) - timedelta(hours=2)
    for i in range(4):
        seed_turn(app, conv, f"q{i}", f"a{i}", created_at=base + timedelta(minutes=i))
    seed_turn(app, conv, "failed", "", status="error", created_at=base + timedelta(minutes=5))
    db, conversations = services(app)
    with app.app_context():
        from internal.model.conversation import Conversation

        assert conversations.recent_history(conv, 2) == [("q2", "a2"), ("q3", "a3")]
        assert conversations.recent_history(conv, 0) == []
        c = db.session.get(Conversation, conv)
        dead = conversations.start_message(c, "worker died here")
        live = conversations.start_message(c, "still streaming")
        with db.auto_commit():
            db.session.execute(update(Message).where(Message.id == dead.id).values(created_at=base))
        assert conversations.fail_stale_messages(datetime.now(UTC) - timedelta(minutes=30)) == 1
        db.session.expire_all()
        assert db.session.get(Message, dead.id).status == "error"
        assert db.session.get(Message, live.id).status == "running"
        assert conversations.finish_message(live.id, "normal", answer="done")

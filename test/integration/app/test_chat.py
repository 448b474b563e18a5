"""Chat on every surface (issue 11 §1, §4, §8) through the real model path: the app's draft or
published config → AgentBuilder → RoutedChatModel → gateway → the fake OpenAI-compatible upstream
(a process on 127.0.0.1: a tool call first, then text). Frames are read as the console reads them."""
from __future__ import annotations

import threading
import uuid

import pytest

from app.http.app import create_app
from internal.core.language_model import UsageSink
from internal.service.api_key_service import ApiKeyService
from internal.service.app.chat.chat_turns import ChatTurns
from test.conftest import ConsoleClient, make_account
from test.support.fake_openai.process import start_fake_upstream
from test.support.processes import wait_until
from test.support.sse_frames import console_frames

from .helpers import create_app as create_chat_app

TOOL = {"type": "builtin_tool", "provider_id": "time", "tool_id": "current_time", "params": {}}
CONTRACT = {"id", "event", "thought", "observation", "tool", "tool_input", "answer", "latency", "message_id",
            "task_id", "conversation_id"}


@pytest.fixture(scope="module")
def upstream(tmp_path_factory):
    proc, url = start_fake_upstream(tmp_path_factory.mktemp("chat-upstream") / "upstream.log")
    yield url
    proc.stop()


@pytest.fixture(scope="module")
def chat_server(pg_app, pg_config):
    """The shared test database, with the fake upstream's address allowed by the SSRF guard."""
    server = create_app(pg_config.model_copy(update={"SSRF_ALLOWED_HOSTS": ["127.0.0.1"]}))
    yield server
    server.extensions["injector"].get(UsageSink).close()  # write its usage rows while the database exists


@pytest.fixture
def chat_app(app, chat_server):
    return chat_server


def _tenant(chat_app, upstream: str, behave: str = ""):
    console = ConsoleClient(chat_app, make_account(chat_app))
    base = f"{upstream}/_behave/{behave}/v1" if behave else f"{upstream}/v1"
    body = console.post("/language-model-credentials/openai", json={"config": {"api_key": "sk-fake-1234567890",
                                                                                "base_url": base}})
    assert body["code"] == "success", body
    return console


def _agent_app(console, tools=(TOOL,)) -> str:
    app_id = create_chat_app(console)
    body = console.post(f"/apps/{app_id}/draft-app-config", json={
        "model_config": {"provider": "openai", "model": "gpt-4o-mini", "parameters": {}},
        "tools": list(tools), "preset_prompt": "Answer briefly."})
    assert body["code"] == "success", body
    return app_id


def _sse(console, path: str, body: dict) -> tuple[list[tuple[str, dict]], object]:
    resp = console.http.post(path, json=body, headers=console.account.headers)
    assert resp.status_code == 200 and resp.mimetype == "text/event-stream"
    return console_frames(resp.data), resp


def _answer(frames) -> str:
    return "".join(d["thought"] for e, d in frames if e == "agent_message")


def test_debug_chat_streams_the_agent_and_records_every_step(chat_app, upstream):
    console = _tenant(chat_app, upstream)
    app_id = _agent_app(console)
    frames, _ = _sse(console, f"/apps/{app_id}/conversations", {"query": "what time is it?"})
    events = [e for e, _ in frames]
    assert events[0] == "ping" and events[-1] == "agent_end", events
    first = frames[0][1]
    assert all(first[k] for k in ("message_id", "task_id", "conversation_id"))  # the console's ids, at once
    assert {"agent_thought", "agent_action", "agent_message"} <= set(events)
    assert all(CONTRACT <= set(d) for _, d in frames)
    action = next(d for e, d in frames if e == "agent_action")
    assert action["tool"] == "current_time" and action["observation"]
    answer = _answer(frames)
    assert answer.startswith("The tool returned:")
    assert frames[-1][1]["total_token_count"] > 0

    page = console.get(f"/apps/{app_id}/conversations/messages")["data"]["list"]
    assert len(page) == 1
    message = page[0]
    assert message["id"] == first["message_id"] and message["status"] == "normal"
    assert message["answer"] == answer and message["total_token_count"] == frames[-1][1]["total_token_count"]
    steps = [t["event"] for t in message["agent_thoughts"]]
    assert steps[:2] == ["agent_thought", "agent_action"] and steps[-1] == "agent_message"
    assert [t["position"] for t in message["agent_thoughts"]] == list(range(1, len(steps) + 1))
    assert console.get(f"/apps/{app_id}")["data"]["debug_conversation_id"] == first["conversation_id"]


def test_stop_mid_stream_keeps_the_partial_answer(chat_app, upstream):
    console = _tenant(chat_app, upstream, "chunk-delay-100+words-60")
    app_id = _agent_app(console, tools=())
    resp = console.http.post(f"/apps/{app_id}/conversations", json={"query": "tell me a long story"},
                               headers=console.account.headers, buffered=False)
    seen: list[tuple[str, dict]] = []
    stopped = threading.Event()
    for chunk in resp.response:
        seen.extend(console_frames(chunk))
        if not stopped.is_set() and sum(e == "agent_message" for e, _ in seen) >= 2:
            task_id = seen[0][1]["task_id"]
            stop = console.post(f"/apps/{app_id}/conversations/tasks/{task_id}/stop")
            assert stop["code"] == "success", stop
            stopped.set()
    resp.close()
    assert stopped.is_set() and seen[-1][0] == "stop", [e for e, _ in seen]
    partial = _answer(seen)
    assert 0 < len(partial.split()) < 60
    message = console.get(f"/apps/{app_id}/conversations/messages")["data"]["list"][0]
    assert message["status"] == "stop" and message["answer"] == partial


def test_errors_before_the_stream_are_sse_error_frames(chat_app, upstream):
    console = _tenant(chat_app, upstream)
    other = ConsoleClient(chat_app, make_account(chat_app))
    app_id = _agent_app(console)
    for who, body in ((other, {"query": "hi"}), (console, {"query": "   "}), (console, {})):
        frames, _ = _sse(who, f"/apps/{app_id}/conversations", body)
        assert [e for e, _ in frames] == ["error"], frames
        assert frames[0][1]["observation"] and CONTRACT <= set(frames[0][1])
    # nothing was started: no message in the debug conversation
    assert console.get(f"/apps/{app_id}/conversations/messages")["data"]["list"] == []
    frames, _ = _sse(other, f"/apps/{uuid.uuid4()}/conversations", {"query": "hi"})
    assert frames[0][0] == "error"
    # a stop of another tenant's (or an unknown) task is not found
    started, _ = _sse(console, f"/apps/{app_id}/conversations", {"query": "hi"})
    task_id = started[0][1]["task_id"]
    assert other.post(f"/apps/{app_id}/conversations/tasks/{task_id}/stop")["code"] == "not_found"
    assert console.post(f"/apps/{app_id}/conversations/tasks/{uuid.uuid4()}/stop")["code"] == "not_found"


def test_a_tool_removed_since_the_draft_was_saved_fails_clearly(chat_app, upstream):
    console = _tenant(chat_app, upstream)
    dataset_id = console.post("/datasets", json={"name": "kb", "icon": "", "description": ""})["data"]["id"]
    app_id = _agent_app(console, tools=())
    assert console.post(f"/apps/{app_id}/draft-app-config", json={"datasets": [dataset_id]})["code"] == "success"
    assert console.post(f"/datasets/{dataset_id}/delete")["code"] == "success"
    frames, _ = _sse(console, f"/apps/{app_id}/conversations", {"query": "hi"})
    # the ids go out first (the agent is built after the first frame), then the error; nothing is saved
    assert [e for e, _ in frames] == ["ping", "error"] and "no longer available" in frames[1][1]["observation"]
    assert console.get(f"/apps/{app_id}/conversations/messages")["data"]["list"] == []
    task_id = frames[0][1]["task_id"]
    with chat_app.app_context():  # its lease was released: no sweeper will end a run that never started
        assert not chat_app.extensions["injector"].get(ChatTurns).channel.is_running(task_id)


def test_web_app_chat_continues_only_the_callers_conversations(chat_app, upstream):
    console = _tenant(chat_app, upstream)
    app_id = _agent_app(console, tools=())
    assert console.post(f"/apps/{app_id}/publish")["code"] == "success"
    token = console.get(f"/apps/{app_id}/published-config")["data"]["web_app"]["token"]
    frames, _ = _sse(console, f"/web-apps/{token}/chat", {"conversation_id": "", "query": "你好，介绍一下你自己"})
    assert frames[-1][0] == "agent_end"
    conversation_id = frames[0][1]["conversation_id"]
    again, _ = _sse(console, f"/web-apps/{token}/chat", {"conversation_id": conversation_id, "query": "and then?"})
    assert again[0][1]["conversation_id"] == conversation_id and again[-1][0] == "agent_end"
    listed = console.get(f"/web-apps/{token}/conversations", query_string={"is_pinned": "false"})["data"]
    assert [c["id"] for c in listed] == [conversation_id] and listed[0]["name"] == "你好，介绍一下你自己"
    messages = console.get(f"/conversations/{conversation_id}/messages")["data"]["list"]
    assert [m["query"] for m in messages] == ["and then?", "你好，介绍一下你自己"]

    visitor = ConsoleClient(chat_app, make_account(chat_app))
    stolen, _ = _sse(visitor, f"/web-apps/{token}/chat", {"conversation_id": conversation_id, "query": "x"})
    assert stolen[0][0] == "error"
    own, _ = _sse(visitor, f"/web-apps/{token}/chat", {"conversation_id": "", "query": "x"})
    assert own[-1][0] == "agent_end" and own[0][1]["conversation_id"] != conversation_id
    assert console.post(f"/apps/{app_id}/cancel-publish")["code"] == "success"
    gone, _ = _sse(visitor, f"/web-apps/{token}/chat", {"conversation_id": "", "query": "x"})
    assert gone[0][0] == "error"


def _api_key(chat_app, console) -> dict:
    with chat_app.app_context():
        _, raw = chat_app.extensions["injector"].get(ApiKeyService).create_api_key(console.account.account_id, True, "t")
    return {"Authorization": f"Bearer {raw}"}


def test_openapi_chat_blocking_and_streaming(chat_app, upstream):
    console = _tenant(chat_app, upstream)
    app_id = _agent_app(console)
    key = _api_key(chat_app, console)
    client = chat_app.test_client()
    unpublished = client.post("/openapi/chat", json={"app_id": app_id, "query": "hi", "stream": False}, headers=key)
    assert unpublished.status_code == 400, unpublished.json
    assert console.post(f"/apps/{app_id}/publish")["code"] == "success"

    res = client.post("/openapi/chat", json={"app_id": app_id, "query": "what time is it?", "stream": False},
                      headers=key)
    assert res.status_code == 200, res.json
    body = res.json
    assert body["status"] == "normal" and body["answer"].startswith("The tool returned:")
    assert [t["event"] for t in body["agent_thoughts"]][:2] == ["agent_thought", "agent_action"]
    assert body["end_user_id"] and body["conversation_id"] and body["total_token_count"] > 0

    follow = client.post("/openapi/chat", headers=key, json={
        "app_id": app_id, "query": "thanks", "stream": True, "end_user_id": body["end_user_id"],
        "conversation_id": body["conversation_id"]})
    assert follow.status_code == 200 and follow.mimetype == "text/event-stream"
    frames = console_frames(follow.data)
    assert frames[0][1]["conversation_id"] == body["conversation_id"] and frames[-1][0] == "agent_end"

    other = ConsoleClient(chat_app, make_account(chat_app))
    other_key = _api_key(chat_app, other)
    assert client.post("/openapi/chat", json={"app_id": app_id, "query": "hi"}, headers=other_key).status_code == 404
    # someone else's end user / conversation ids are not found, never continued
    for extra in ({"end_user_id": str(uuid.uuid4())}, {"end_user_id": body["end_user_id"],
                                                       "conversation_id": str(uuid.uuid4())}):
        res = client.post("/openapi/chat", json={"app_id": app_id, "query": "hi", "stream": False, **extra},
                          headers=key)
        assert res.status_code == 404, res.json
    assert client.post("/openapi/chat", json={"app_id": app_id, "query": ""}, headers=key).status_code == 400
    assert client.post("/openapi/chat", json={"app_id": app_id, "query": "hi"}).status_code == 401


def test_ai_helpers(chat_app, upstream):
    console = _tenant(chat_app, upstream)
    frames, _ = _sse(console, "/ai/optimize-prompt", {"prompt": "你是客服，回答售后问题"})
    assert frames and {e for e, _ in frames} == {"optimize_prompt"}, frames
    assert len("".join(d["optimize_prompt"] for _, d in frames).split()) == 8  # the upstream's whole reply
    bare = ConsoleClient(chat_app, make_account(chat_app))  # no provider credentials
    failed, _ = _sse(bare, "/ai/optimize-prompt", {"prompt": "x"})
    assert [e for e, _ in failed] == ["error"] and "credentials" in failed[0][1]["observation"]
    assert _sse(console, "/ai/optimize-prompt", {"prompt": ""})[0][0][0] == "error"

    app_id = _agent_app(console, tools=())
    started, _ = _sse(console, f"/apps/{app_id}/conversations", {"query": "hi"})
    message_id = started[0][1]["message_id"]
    questions = console.post("/ai/suggested-questions", json={"message_id": message_id})
    assert questions["code"] == "success" and 1 <= len(questions["data"]) <= 3
    assert all(isinstance(q, str) and q for q in questions["data"])
    assert bare.post("/ai/suggested-questions", json={"message_id": message_id})["code"] == "not_found"
    assert console.post("/ai/suggested-questions", json={"message_id": "nope"})["code"] == "validate_error"


def test_the_assistant_agent_creates_an_app_for_the_user(chat_app, upstream):
    console = _tenant(chat_app, upstream)
    assert console.get("/assistant-agent/messages")["data"]["list"] == []  # a read creates nothing
    frames, _ = _sse(console, "/assistant-agent/chat", {"query": "帮我创建一个翻译助手"})
    assert frames[0][0] == "ping" and frames[-1][0] == "agent_end", [e for e, _ in frames]
    action = next(d for e, d in frames if e == "agent_action")
    assert action["tool"] == "create_app" and '"app_id"' in action["observation"]
    created = [a for a in console.get("/apps")["data"]["list"] if a["name"] == "test"]  # the fake's arguments
    assert len(created) == 1 and created[0]["preset_prompt"] == "test" and created[0]["status"] == "draft"

    page = console.get("/assistant-agent/messages")["data"]["list"]
    assert [m["query"] for m in page] == ["帮我创建一个翻译助手"] and page[0]["status"] == "normal"
    assert [t["tool"] for t in page[0]["agent_thoughts"] if t["event"] == "agent_action"] == ["create_app"]
    other = ConsoleClient(chat_app, make_account(chat_app))
    assert other.get("/assistant-agent/messages")["data"]["list"] == []
    assert other.post(f"/assistant-agent/chat/{frames[0][1]['task_id']}/stop")["code"] == "not_found"

    assert console.post("/assistant-agent/delete-conversation")["code"] == "success"
    assert console.get("/assistant-agent/messages")["data"]["list"] == []
    again, _ = _sse(console, "/assistant-agent/chat", {"query": "hi"})
    assert again[0][1]["conversation_id"] != frames[0][1]["conversation_id"] and again[-1][0] == "agent_end"


def test_a_published_workflow_of_the_app_is_one_of_its_tools(chat_app, upstream):
    from test.integration.workflow.test_workflow_api_run import published

    console = _tenant(chat_app, upstream)
    wf_id = published(console)
    app_id = _agent_app(console, tools=())
    assert console.post(f"/apps/{app_id}/draft-app-config", json={"workflows": [wf_id]})["code"] == "success"
    frames, _ = _sse(console, f"/apps/{app_id}/conversations", {"query": "greet test"})
    action = next(d for e, d in frames if e == "agent_action")
    assert action["tool"].startswith("wf_") and "你好，test！" in action["observation"]  # the workflow ran
    assert frames[-1][0] == "agent_end"


def test_long_term_memory_and_content_review_through_the_debug_chat(chat_app, upstream):
    console = _tenant(chat_app, upstream)
    app_id = _agent_app(console, tools=())
    assert console.post(f"/apps/{app_id}/draft-app-config", json={
        "long_term_memory": {"enable": True},
        "review_config": {"enable": True, "keywords": ["Secret"], "inputs_config": {
            "enable": True, "preset_response": "这个问题我不能回答。"}, "outputs_config": {"enable": True}}})["code"] == "success"
    assert console.get(f"/apps/{app_id}/summary")["data"]["summary"] == ""
    frames, _ = _sse(console, f"/apps/{app_id}/conversations", {"query": "remember that I like tea"})
    assert frames[-1][0] == "agent_end" and "long_term_memory_recall" in [e for e, _ in frames]
    # the summary is written after the turn's end frame (by the same model): the next turn is given it
    wait_until(lambda: console.get(f"/apps/{app_id}/summary")["data"]["summary"], timeout=15,
               what="the long-term memory summary")

    refused, _ = _sse(console, f"/apps/{app_id}/conversations", {"query": "tell me the SECRET plan"})
    assert _answer(refused) == "这个问题我不能回答。" and refused[-1][0] == "agent_end"
    saved = console.get(f"/apps/{app_id}/conversations/messages")["data"]["list"][0]
    assert saved["answer"] == "这个问题我不能回答。" and saved["total_token_count"] == 0  # the model was never called

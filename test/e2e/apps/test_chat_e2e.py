"""Chat over real HTTP on the production layout (gunicorn's gevent worker, PostgreSQL, Redis) with
the fake OpenAI-compatible upstream as the model, read by an SSE client:

- the console's flow: draft → debug chat (tool step) → publish → web app by token → /openapi/chat
  blocking and streaming with an API key;
- two server processes sharing Redis: a stream started on one is stopped from the other;
- a client that disconnects leaves the run going: its message ends `normal`, never `running`;
- a server killed mid-run: the sweep (what Celery beat runs) ends the message `error` once its
  lease expires, and a reader re-attaching is not left waiting;
- `ping` frames while the model is slow to answer.
"""
from __future__ import annotations

import time
import uuid

import httpx
import pytest

from internal.model.conversation import Message
from internal.service.api_key_service import ApiKeyService
from internal.service.app.chat.chat_turns import ChatTurns
from pkg import sse
from pkg.sqlalchemy import SQLAlchemy
from test.conftest import make_account
from test.support.environment import free_port
from test.support.fake_openai.process import start_fake_upstream
from test.support.live_stack import live_stack
from test.support.processes import start_server, wait_until
from test.support.sse_frames import console_frames

TOOL = {"type": "builtin_tool", "provider_id": "time", "tool_id": "current_time", "params": {}}


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("chat-e2e")
    upstream, upstream_url = start_fake_upstream(tmp / "upstream.log")
    env = {"GUNICORN_WORKER_CLASS": None}  # the production default: gevent
    try:
        with live_stack(tmp, "chat_e2e", 6, env, workers=1, SSRF_ALLOWED_HOSTS=["127.0.0.1"],
                        AGENT_PING_INTERVAL_SECONDS=0.5, AGENT_LEASE_SECONDS=2.0) as s:
            yield s, upstream_url, tmp
    finally:
        upstream.stop()


@pytest.fixture(scope="module")
def second_server(stack):
    s, _, tmp = stack
    port = free_port()
    server = start_server(s.env, port, tmp / "second.log", workers=1)
    yield f"http://127.0.0.1:{port}", server
    server.stop()


def _tenant(stack, behave: str = ""):
    """A new account whose OpenAI credentials point at the fake upstream (with `behave` tokens)."""
    s, upstream, _ = stack
    account = make_account(s.app)
    headers = account.headers
    base = f"{upstream}/_behave/{behave}/v1" if behave else f"{upstream}/v1"
    res = httpx.post(s.url + "/language-model-credentials/openai", headers=headers, timeout=10,
                     json={"config": {"api_key": "sk-fake-1234567890", "base_url": base}}).json()
    assert res["code"] == "success", res
    return account


def _app(url: str, headers: dict, tools=()) -> str:
    app_id = httpx.post(url + "/apps", headers=headers, timeout=10, json={
        "name": "e2e chat", "icon": "https://cdn.example.com/i.png", "description": ""}).json()["data"]["id"]
    res = httpx.post(f"{url}/apps/{app_id}/draft-app-config", headers=headers, timeout=10, json={
        "model_config": {"provider": "openai", "model": "gpt-4o-mini", "parameters": {}}, "tools": list(tools)}).json()
    assert res["code"] == "success", res
    return app_id


def _messages(url: str, headers: dict, app_id: str) -> list[dict]:
    return httpx.get(f"{url}/apps/{app_id}/conversations/messages", headers=headers, timeout=10).json()["data"]["list"]


def _status(s, message_id: str) -> str:
    """The message row itself (the console's lists leave out messages still running)."""
    with s.app.app_context():
        db = s.app.extensions["injector"].get(SQLAlchemy)
        db.session.expire_all()
        return db.session.get(Message, uuid.UUID(message_id)).status


def _read_all(url: str, path: str, headers: dict, body: dict) -> list[tuple[str, dict]]:
    res = httpx.post(url + path, json=body, headers=headers, timeout=60)
    assert res.status_code == 200 and res.headers["content-type"].startswith("text/event-stream")
    assert res.headers.get("x-accel-buffering") == "no"
    return console_frames(res.content)


def test_console_flow_then_the_app_apis(stack):
    s, _, _ = stack
    owner = _tenant(stack)
    auth = owner.headers
    app_id = _app(s.url, auth, tools=[TOOL])
    frames = _read_all(s.url, f"/apps/{app_id}/conversations", auth, {"query": "what time is it?"})
    events = [e for e, _ in frames]
    assert events[0] == "ping" and events[-1] == "agent_end" and "agent_action" in events, events
    answer = "".join(d["thought"] for e, d in frames if e == "agent_message")
    saved = _messages(s.url, auth, app_id)[0]
    assert saved["status"] == "normal" and saved["answer"] == answer
    assert [t["event"] for t in saved["agent_thoughts"]][:2] == ["agent_thought", "agent_action"]

    assert httpx.post(f"{s.url}/apps/{app_id}/publish", headers=auth, timeout=10).json()["code"] == "success"
    token = httpx.get(f"{s.url}/apps/{app_id}/published-config", headers=auth,
                      timeout=10).json()["data"]["web_app"]["token"]
    visitor = make_account(s.app).headers
    web = _read_all(s.url, f"/web-apps/{token}/chat", visitor, {"conversation_id": "", "query": "hello"})
    assert web[-1][0] == "agent_end" and web[0][1]["conversation_id"]

    with s.app.app_context():
        _, key = s.app.extensions["injector"].get(ApiKeyService).create_api_key(
            owner.account_id, True, "e2e")
    api = {"Authorization": f"Bearer {key}"}
    blocking = httpx.post(s.url + "/openapi/chat", headers=api, timeout=60,
                          json={"app_id": app_id, "query": "what time is it?", "stream": False})
    assert blocking.status_code == 200, blocking.text
    assert blocking.json()["answer"].startswith("The tool returned:") and blocking.json()["status"] == "normal"
    streamed = _read_all(s.url, "/openapi/chat", api, {"app_id": app_id, "query": "again", "stream": True,
                                                       "end_user_id": blocking.json()["end_user_id"],
                                                       "conversation_id": blocking.json()["conversation_id"]})
    assert streamed[-1][0] == "agent_end" and streamed[0][1]["conversation_id"] == blocking.json()["conversation_id"]


def _start_stream(url: str, headers: dict, app_id: str, client: httpx.Client):
    """Open a debug chat and read until its first answer frame: (response, frames so far, chunks)."""
    resp = client.send(client.build_request("POST", f"{url}/apps/{app_id}/conversations", headers=headers,
                                            json={"query": "a long story please"}), stream=True)
    chunks = resp.iter_raw()
    frames: list[tuple[str, dict]] = []
    buf = b""
    while not any(e == "agent_message" for e, _ in frames):
        buf += next(chunks)
        whole, _, buf = buf.rpartition(b"\n\n")
        if whole:
            frames.extend(sse.parse([whole + b"\n\n"]))
    return resp, frames, chunks, buf


def _rest(chunks, buf: bytes) -> list[tuple[str, dict]]:
    return list(sse.parse([buf, *chunks]))


def test_a_stream_started_on_one_process_is_stopped_from_the_other(stack, second_server):
    s, _, _ = stack
    other_url, _ = second_server
    auth = _tenant(stack, "chunk-delay-150+words-80").headers
    app_id = _app(s.url, auth)
    with httpx.Client(timeout=60) as client:
        resp, frames, chunks, buf = _start_stream(s.url, auth, app_id, client)
        task_id = frames[0][1]["task_id"]
        stop = httpx.post(f"{other_url}/apps/{app_id}/conversations/tasks/{task_id}/stop", headers=auth, timeout=10)
        assert stop.json()["code"] == "success", stop.text
        rest = _rest(chunks, buf)
        resp.close()
    assert rest[-1][0] == "stop", [e for e, _ in rest]
    saved = _messages(s.url, auth, app_id)[0]
    assert saved["status"] == "stop" and 0 < len(saved["answer"].split()) < 80


def test_a_client_that_disconnects_leaves_the_run_going(stack):
    s, _, _ = stack
    auth = _tenant(stack, "chunk-delay-30+words-40").headers
    app_id = _app(s.url, auth)
    with httpx.Client(timeout=60) as client:
        resp, frames, _, _ = _start_stream(s.url, auth, app_id, client)
        resp.close()  # the browser tab is gone
    message_id = frames[0][1]["message_id"]
    assert _status(s, message_id) == "running"
    wait_until(lambda: _status(s, message_id) != "running", timeout=30, what="the run to finish without its client")
    saved = _messages(s.url, auth, app_id)[0]
    assert saved["status"] == "normal" and len(saved["answer"].split()) == 40


def test_a_run_whose_server_died_ends_in_error(stack, tmp_path):
    s, _, _ = stack
    port = free_port()
    doomed = start_server(s.env, port, tmp_path / "doomed.log", workers=1)
    url = f"http://127.0.0.1:{port}"
    auth = _tenant(stack, "chunk-delay-200+words-200").headers
    app_id = _app(url, auth)
    with httpx.Client(timeout=60) as client:
        resp, frames, _, _ = _start_stream(url, auth, app_id, client)
        task_id, message_id = frames[0][1]["task_id"], frames[0][1]["message_id"]
        doomed.kill()  # SIGKILL, the whole process group: no cleanup runs
        resp.close()
    assert _status(s, message_id) == "running"
    turns = s.app.extensions["injector"].get(ChatTurns)

    def swept() -> bool:
        with s.app.app_context():
            turns.sweep()  # what Celery beat runs every AGENT_SWEEP_INTERVAL_SECONDS
        return _status(s, message_id) != "running"

    t0 = time.monotonic()
    wait_until(swept, timeout=30, what="the sweep to end the crashed run")
    assert time.monotonic() - t0 < 15  # a 2 s lease: bounded, not the 600 s turn timeout
    saved = _messages(s.url, auth, app_id)[0]
    assert saved["status"] == "error" and saved["error"]
    # a reader re-attaching to the dead task gets its end instead of waiting
    with s.app.app_context():
        sub = turns.channel.subscribe(task_id, 0)
        try:
            batch = sub.next_batch(5)
            while batch and not batch[-1].terminal:
                batch = sub.next_batch(5)
        finally:
            sub.close()
    assert batch and batch[-1].terminal and b"event: error" in batch[-1].frame


def test_pings_flow_while_the_model_is_slow(stack):
    s, _, _ = stack
    auth = _tenant(stack, "delay-2000+words-3").headers
    app_id = _app(s.url, auth)
    frames = _read_all(s.url, f"/apps/{app_id}/conversations", auth, {"query": "hi"})
    first_answer = next(i for i, (e, _) in enumerate(frames) if e == "agent_message")
    assert sum(e == "ping" for e, _ in frames[:first_answer]) >= 3  # 0.5 s pings over a 2 s wait
    assert frames[-1][0] == "agent_end"


def test_a_published_app_is_a_model_for_the_openai_sdk(stack):
    import openai

    s, _, _ = stack
    owner = _tenant(stack)
    app_id = _app(s.url, owner.headers, tools=[TOOL])
    httpx.post(f"{s.url}/apps/{app_id}", headers=owner.headers, timeout=10,
               json={"name": f"helper-{app_id[:8]}", "icon": "https://cdn.example.com/i.png", "description": ""})
    with s.app.app_context():
        keys = s.app.extensions["injector"].get(ApiKeyService)
        _, key = keys.create_api_key(owner.account_id, True, "sdk")
        stranger = make_account(s.app)
        _, stranger_key = keys.create_api_key(stranger.account_id, True, "sdk")
    client = openai.OpenAI(base_url=s.url + "/v1", api_key=key, max_retries=0, timeout=60)
    model = f"app-{app_id}"
    with pytest.raises(openai.NotFoundError):  # a draft is not a model
        client.chat.completions.create(model=model, messages=[{"role": "user", "content": "hi"}])
    assert httpx.post(f"{s.url}/apps/{app_id}/publish", headers=owner.headers, timeout=10).json()["code"] == "success"

    listed = {m.id for m in client.models.list()}
    assert model in listed
    # issue 13 §3: the catalog models of a provider the account has credentials for, each callable
    assert "openai/gpt-4o-mini" in listed and client.models.retrieve("openai/gpt-4o-mini").owned_by == "openai"
    plain = client.chat.completions.create(model="openai/gpt-4o-mini", messages=[{"role": "user", "content": "hi"}])
    assert plain.choices[0].message.content
    assert client.models.retrieve(model).owned_by == "llmops-app"
    done = client.chat.completions.create(model=model, messages=[
        {"role": "user", "content": "earlier"}, {"role": "assistant", "content": "ok"},
        {"role": "user", "content": "what time is it?"}])
    assert done.choices[0].message.content.startswith("The tool returned:")
    assert done.usage.total_tokens > 0 and done.usage.total_tokens == done.usage.prompt_tokens + done.usage.completion_tokens
    by_name = client.chat.completions.create(model=f"helper-{app_id[:8]}", messages=[{"role": "user", "content": "hi"}])
    assert by_name.model == model

    parts, usage = [], None
    for chunk in client.chat.completions.create(model=model, stream=True, stream_options={"include_usage": True},
                                                messages=[{"role": "user", "content": "what time is it?"}]):
        if chunk.usage:
            usage = chunk.usage
        elif chunk.choices and chunk.choices[0].delta.content:
            parts.append(chunk.choices[0].delta.content)
    assert "".join(parts).startswith("The tool returned:") and usage and usage.total_tokens > 0

    other = openai.OpenAI(base_url=s.url + "/v1", api_key=stranger_key, max_retries=0, timeout=30)
    assert not {model, "openai/gpt-4o-mini"} & {m.id for m in other.models.list()}  # no credentials, no apps
    with pytest.raises(openai.NotFoundError):
        other.chat.completions.create(model=model, messages=[{"role": "user", "content": "hi"}])
    with pytest.raises(openai.BadRequestError):
        client.chat.completions.create(model=model, messages=[{"role": "assistant", "content": "no user turn"}])


def test_the_agent_api(stack):
    s, _, _ = stack
    owner = _tenant(stack)
    with s.app.app_context():
        keys = s.app.extensions["injector"].get(ApiKeyService)
        _, key = keys.create_api_key(owner.account_id, True, "agents")
        _, stranger_key = keys.create_api_key(make_account(s.app).account_id, True, "agents")
    api = httpx.Client(base_url=s.url, headers={"Authorization": f"Bearer {key}"}, timeout=60)
    stranger = httpx.Client(base_url=s.url, headers={"Authorization": f"Bearer {stranger_key}"}, timeout=60)
    body = {"name": "clock", "agent_type": "function_calling", "system_prompt": "Tell the time.",
            "model": "openai/gpt-4o-mini", "tools": [TOOL]}
    for bad, field in (({**body, "model": "gpt-4o-mini"}, "model"), ({**body, "tools": [{**TOOL, "tool_id": "nope"}]},
                                                                     "tools.0"), ({"name": "x"}, "model")):
        res = api.post("/v1/agents", json=bad)
        assert res.status_code == 400 and field in res.json()["error"]["message"], res.text
    created = api.post("/v1/agents", json=body)
    assert created.status_code == 201, created.text
    agent = created.json()
    assert agent["status"] == "published" and agent["agent_type"] == "function_calling"
    assert agent["model"] == "openai/gpt-4o-mini" and agent["tools"][0]["tool_id"] == "current_time"
    assert agent["id"] in [a["id"] for a in api.get("/v1/agents").json()["data"]]
    assert api.get(f"/v1/agents/{agent['id']}").json()["name"] == "clock"
    assert stranger.get(f"/v1/agents/{agent['id']}").status_code == 404
    assert agent["id"] not in [a["id"] for a in stranger.get("/v1/agents").json()["data"]]

    task = api.post(f"/v1/agents/{agent['id']}/execute", json={"message": "what time is it?"}).json()
    assert task["answer"].startswith("The tool returned:") and task["thoughts"][0]["event"] == "agent_thought"
    assert any(t["tool"] == "current_time" for t in task["thoughts"]) and task["usage"]["total_tokens"] > 0
    plain = api.post(f"/v1/agents/{agent['id']}/execute", json={"message": "hi", "use_tools": False}).json()
    assert plain["thoughts"] == [] and plain["answer"]

    first = api.post("/v1/chat", json={"agent_id": agent["id"], "message": "what time is it?"}).json()
    assert first["status"] == "normal" and first["answer"].startswith("The tool returned:")
    assert first["usage"]["total_tokens"] > 0 and [t["event"] for t in first["thoughts"]][:2] == [
        "agent_thought", "agent_action"]
    with api.stream("POST", "/v1/chat/stream", json={"agent_id": agent["id"], "message": "and now?",
                                                     "session_id": first["session_id"]}) as res:
        assert res.status_code == 200 and res.headers["content-type"].startswith("text/event-stream")
        events = list(sse.parse(res.iter_raw()))
    names = [e for e, _ in events]
    assert names[-1] == "done" and "thought" in names and "message" in names, names
    done = events[-1][1]
    assert done["session_id"] == first["session_id"] and done["status"] == "normal" and done["usage"]["total_tokens"] > 0
    assert "".join(d["delta"] for e, d in events if e == "message").startswith("The tool returned:")
    history = api.get("/v1/chat/history", params={"session_id": first["session_id"]}).json()
    assert [m["message"] for m in history["messages"]] == ["what time is it?", "and now?"]
    assert history["agent_id"] == agent["id"] and all(m["status"] == "normal" for m in history["messages"])

    assert stranger.get("/v1/chat/history", params={"session_id": first["session_id"]}).status_code == 404
    assert stranger.post("/v1/chat", json={"agent_id": agent["id"], "message": "hi"}).status_code == 404
    assert api.post("/v1/chat", json={"agent_id": agent["id"], "message": "hi",
                                      "session_id": str(uuid.uuid4())}).status_code == 404
    assert api.post("/v1/chat", json={"agent_id": agent["id"], "message": " "}).status_code == 400
    assert api.get("/v1/chat/history", params={"session_id": "nope"}).status_code == 400
    assert httpx.get(s.url + "/v1/agents", timeout=10).status_code == 401


def test_a_supervisor_agent_delegates_to_another_agent(stack):
    s, _, _ = stack
    owner = _tenant(stack)
    with s.app.app_context():
        _, key = s.app.extensions["injector"].get(ApiKeyService).create_api_key(owner.account_id, True, "sup")
    api = httpx.Client(base_url=s.url, headers={"Authorization": f"Bearer {key}"}, timeout=60)
    clock = api.post("/v1/agents", json={"name": "clock", "model": "openai/gpt-4o-mini", "tools": [TOOL],
                                         "description": "tells the time"}).json()
    body = {"name": "boss", "agent_type": "supervisor", "model": "openai/gpt-4o-mini", "delegates": [clock["id"]]}
    boss = api.post("/v1/agents", json=body)
    assert boss.status_code == 201 and boss.json()["delegates"] == [clock["id"]], boss.text
    task = api.post(f"/v1/agents/{boss.json()['id']}/execute", json={"message": "ask the clock"}).json()
    delegated = [t for t in task["thoughts"] if t["tool"] == "app_" + clock["id"].replace("-", "")]
    # the clock agent ran its own turn (a tool call, then its answer) and that answer came back
    assert delegated and "The tool returned:" in delegated[-1]["observation"], task["thoughts"]
    bad = api.post("/v1/agents", json={**body, "delegates": [str(uuid.uuid4())]})
    assert bad.status_code == 400 and "delegates.0" in bad.json()["error"]["message"]
    flat = api.post("/v1/agents", json={**body, "agent_type": "auto"})
    assert flat.status_code == 400 and "supervisor" in flat.json()["error"]["message"]

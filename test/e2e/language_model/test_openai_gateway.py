"""The /v1 surface driven by the official `openai` SDK against our gunicorn server, with the
fake OpenAI upstream as a separate process (see conftest.py)."""
from __future__ import annotations

import base64
import json

import httpx
import openai
import pytest

from test.support.processes import wait_until

from .conftest import RATE_LIMIT_RPM, upstream_stats

MSG = [{"role": "user", "content": "Hello gateway"}]


def test_list_and_retrieve_models(oai):
    ids = {m.id for m in oai.models.list().data}
    assert {"fake-gpt", "fake-embed", "fallback-model", "smollm2-135m-instruct"} <= ids
    m = oai.models.retrieve("fake-gpt")
    assert m.id == "fake-gpt" and m.object == "model"


def test_chat_blocking(oai):
    res = oai.chat.completions.create(model="fake-gpt", messages=MSG, temperature=0.3, top_p=0.9, max_tokens=50,
                                      stop=["\n\n"])
    assert res.object == "chat.completion"
    assert res.choices[0].message.role == "assistant"
    assert res.choices[0].message.content.startswith("Hello from the fake upstream")
    assert res.choices[0].finish_reason == "stop"
    assert res.usage.prompt_tokens > 0 and res.usage.total_tokens == res.usage.prompt_tokens + \
        res.usage.completion_tokens


def test_chat_streaming_with_usage(oai):
    stream = oai.chat.completions.create(model="fake-gpt", messages=MSG, stream=True,
                                         stream_options={"include_usage": True})
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text.startswith("Hello from the fake upstream")
    assert chunks[-1].choices == [] and chunks[-1].usage is not None and chunks[-1].usage.completion_tokens > 0
    assert all(c.usage is None for c in chunks[:-1])


def test_stream_wire_format_ends_with_done(gateway_server, api_key):
    with httpx.stream("POST", gateway_server.url + "/v1/chat/completions", timeout=30,
                      headers={"Authorization": f"Bearer {api_key}"},
                      json={"model": "fake-gpt", "messages": MSG, "stream": True,
                            "stream_options": {"include_usage": True}}) as r:
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
        frames = [f for f in r.read().decode().split("\n\n") if f]
    assert frames[-1] == "data: [DONE]"
    usage_chunk = json.loads(frames[-2][len("data: "):])
    assert usage_chunk["choices"] == [] and usage_chunk["usage"]["total_tokens"] > 0


def test_legacy_completions_blocking_and_stream(oai):
    res = oai.completions.create(model="fake-instruct", prompt="Say hi", max_tokens=5)
    assert res.object == "text_completion" and res.choices[0].text
    parts = list(oai.completions.create(model="fake-instruct", prompt="Say hi", stream=True))
    assert "".join(p.choices[0].text for p in parts if p.choices).startswith("Hello")


def test_embeddings_float_and_base64(oai, gateway_server, api_key):
    res = oai.embeddings.create(model="fake-embed", input=["alpha", "beta"])  # SDK asks for base64 and decodes
    assert len(res.data) == 2 and len(res.data[0].embedding) == 16
    assert res.data[0].embedding != res.data[1].embedding
    again = oai.embeddings.create(model="fake-embed", input="alpha", encoding_format="float")
    assert again.data[0].embedding == pytest.approx(res.data[0].embedding, abs=1e-6)  # deterministic
    raw = httpx.post(gateway_server.url + "/v1/embeddings", headers={"Authorization": f"Bearer {api_key}"},
                     json={"model": "fake-embed", "input": "alpha", "encoding_format": "base64"}).json()
    assert isinstance(raw["data"][0]["embedding"], str) and len(base64.b64decode(raw["data"][0]["embedding"])) == 64
    assert raw["usage"]["prompt_tokens"] > 0


def test_tool_call_round_trip(oai):
    tools = [{"type": "function", "function": {"name": "get_weather", "description": "Weather for a city",
                                               "parameters": {"type": "object",
                                                              "properties": {"city": {"type": "string"}},
                                                              "required": ["city"]}}}]
    messages = [{"role": "user", "content": "Weather in Paris?"}]
    first = oai.chat.completions.create(model="fake-gpt", messages=messages, tools=tools, tool_choice="auto")
    assert first.choices[0].finish_reason == "tool_calls"
    call = first.choices[0].message.tool_calls[0]
    assert call.function.name == "get_weather" and json.loads(call.function.arguments) == {"city": "test"}
    messages += [first.choices[0].message.model_dump(exclude_none=True),
                 {"role": "tool", "tool_call_id": call.id, "content": "sunny, 21C"}]
    second = oai.chat.completions.create(model="fake-gpt", messages=messages, tools=tools)
    assert second.choices[0].message.content == "The tool returned: sunny, 21C"
    # the same through a stream: tool call deltas arrive and reassemble
    chunks = list(oai.chat.completions.create(model="fake-gpt", messages=messages[:1], tools=tools, stream=True))
    args = "".join(tc.function.arguments or "" for c in chunks if c.choices for tc in c.choices[0].delta.tool_calls
                   or [])
    assert json.loads(args) == {"city": "test"}


def test_response_format_json(oai):
    res = oai.chat.completions.create(model="fake-gpt", messages=MSG, response_format={"type": "json_object"})
    assert "answer" in json.loads(res.choices[0].message.content)


def test_fallback_to_second_deployment(oai, gateway_server):
    before = upstream_stats(gateway_server)
    res = oai.chat.completions.create(model="fallback-model", messages=MSG)
    assert res.choices[0].message.content
    assert res.model == "fb-secondary"
    after = upstream_stats(gateway_server)
    assert after.get("fb-primary-fail-500", 0) == before.get("fb-primary-fail-500", 0) + 1
    assert after["fb-secondary"] == before.get("fb-secondary", 0) + 1


def test_cooldown_after_repeated_failures(oai, gateway_server):
    for _ in range(6):
        assert oai.chat.completions.create(model="cooldown-model", messages=MSG).model == "cd-good"
    # allowed_fails=2: the bad deployment is called twice, then skipped (state shared via Redis)
    assert upstream_stats(gateway_server)["cd-bad-fail-503"] == 2
    health = httpx.get(gateway_server.url + "/v1/models/cooldown-model/health",
                       headers={"Authorization": f"Bearer {oai.api_key}"}).json()
    bad = next(d for d in health["deployments"] if d["id"] == "cd-bad")
    assert bad["status"] == "cooldown" and bad["cooldown_remaining_seconds"] > 0
    assert health["status"] == "degraded" and "api_key" not in json.dumps(health)


def test_retry_honours_retry_after_then_succeeds(oai, gateway_server):
    res = oai.chat.completions.create(model="retry-model", messages=MSG)
    assert res.choices[0].message.content
    assert upstream_stats(gateway_server)["retry-flaky-1-fail-429-retry-after-1"] == 2


def test_unknown_model_is_404(oai):
    with pytest.raises(openai.NotFoundError) as e:
        oai.chat.completions.create(model="no-such-model", messages=MSG)
    assert e.value.status_code == 404
    assert e.value.body["code"] == "model_not_found" and e.value.body["type"] == "invalid_request_error"
    assert e.value.body["param"] == "model" and e.value.body["message"]


def test_bad_api_key_is_401(gateway_server):
    from openai import OpenAI

    client = OpenAI(base_url=gateway_server.url + "/v1", api_key="sk-not-a-real-key", max_retries=0)
    with pytest.raises(openai.AuthenticationError) as e:
        client.models.list()
    assert e.value.status_code == 401 and e.value.body["code"] == "invalid_api_key"
    assert set(e.value.body) == {"message", "type", "param", "code"}


def test_validation_error_is_400_with_param(oai):
    with pytest.raises(openai.BadRequestError) as e:
        oai.chat.completions.create(model="fake-gpt", messages=MSG, temperature=7)
    assert e.value.body["param"] == "temperature" and e.value.body["type"] == "invalid_request_error"


def test_rate_limit_is_429_with_retry_after(oai):
    for _ in range(RATE_LIMIT_RPM):
        oai.chat.completions.create(model="fake-gpt", messages=MSG)
    with pytest.raises(openai.RateLimitError) as e:
        oai.chat.completions.create(model="fake-gpt", messages=MSG)
    assert e.value.status_code == 429 and e.value.body["code"] == "rate_limit_exceeded"
    assert int(e.value.response.headers["retry-after"]) >= 1


def test_upstream_429_surfaces_as_429(oai):
    with pytest.raises(openai.RateLimitError) as e:
        oai.chat.completions.create(model="upstream-429", messages=MSG)
    assert int(e.value.response.headers["retry-after"]) >= 1


def test_broken_upstream_is_an_error_status_for_blocking_and_stream(oai):
    with pytest.raises(openai.InternalServerError) as e:
        oai.chat.completions.create(model="broken-model", messages=MSG)
    assert e.value.status_code == 502 and e.value.body["code"] == "upstream_error"
    with pytest.raises(openai.InternalServerError):  # fails before the first byte: a real status, not 200
        list(oai.chat.completions.create(model="broken-model", messages=MSG, stream=True))


def test_stream_dropped_midway_ends_with_error_event(oai):
    stream = oai.chat.completions.create(model="drop-model", messages=MSG, stream=True)
    got = []
    with pytest.raises(openai.APIError) as e:
        for c in stream:
            got.append(c)
    assert got, "some chunks arrived before the upstream broke"
    assert "interrupted" in str(e.value.message)


def test_usage_is_recorded_per_key_and_day(gateway_server, api_key, oai):
    key_id = gateway_server.key_ids[api_key]
    oai.chat.completions.create(model="fake-gpt", messages=MSG)
    oai.embeddings.create(model="fake-embed", input="x")
    app = gateway_server.app
    from internal.service.jwt_service import JwtService

    with app.app_context():
        token = app.extensions["injector"].get(JwtService).issue(gateway_server.account_id).access_token
    client = app.test_client()

    def rows():
        body = client.get(f"/language-model-usage?group_by=key_day&api_key_id={key_id}",
                          headers={"Authorization": f"Bearer {token}"}).get_json()
        assert body["code"] == "success", body
        return body["data"]

    def recorded() -> bool:
        return sum(r["requests"] for r in rows()) >= 2

    wait_until(recorded, timeout=15, what="usage records")
    (row,) = rows()
    assert row["api_key_id"] == key_id and row["day"] and row["requests"] == 2 and row["errors"] == 0
    assert row["total_tokens"] > 0 and row["prompt_tokens"] > 0 and row["currency"] == "USD"


@pytest.mark.slow
def test_local_model_chats_offline(oai):
    res = oai.chat.completions.create(model="smollm2-135m-instruct", max_tokens=24,
                                      messages=[{"role": "user", "content": "Say hello."}])
    assert res.choices[0].message.content.strip()
    assert res.usage.completion_tokens > 0

import json
import random

import pytest

from internal.core.language_model.catalog import LanguageModelCatalog
from internal.core.language_model.errors import InvalidRequestError, ModelNotFoundError, RateLimitError
from internal.core.language_model.gateway import CallContext, LanguageModelGateway
from internal.core.language_model.rate_limit import RateLimit
from internal.core.language_model.router import Router
from internal.core.language_model.router_config import parse_router_config
from internal.core.language_model.usage import (
    BufferedUsageSink,
    MemoryUsageSink,
    Usage,
    UsageRecord,
    compute_cost,
    heuristic_token_count,
)

from .fakes import ScriptedClient

CATALOG = LanguageModelCatalog()
PROTOCOLS = {p.name: p.provider_entity.protocol for p in CATALOG.get_providers()}
MSG = [{"role": "user", "content": "hello there"}]


def make_gateway(usage=True, text="one two three", rate_limit=None, pricing=None):
    cfg = parse_router_config({"settings": {"num_retries": 0}, "model_groups": {"g": {"deployments": [
        {"id": "d1", "provider": "openai_compatible", "model": "m", "api_base": "http://x/v1",
         **({"pricing": pricing} if pricing else {})}]}}}, PROTOCOLS)
    client = ScriptedClient(text=text, usage=usage)
    client.stream_break_after = {}
    router = Router(cfg, CATALOG, clients={"openai": client}, sleep=lambda s: None, rng=random.Random(0))
    sink = MemoryUsageSink()
    gw = LanguageModelGateway(router, CATALOG, sink, default_rate_limit=rate_limit)
    return gw, client, sink


def events(raw: bytes):
    out = []
    for frame in raw.decode().split("\n\n"):
        if frame.startswith("data: "):
            data = frame[6:]
            out.append(data if data == "[DONE]" else json.loads(data))
    return out


def test_heuristic_tokens():
    assert heuristic_token_count("") == 0
    assert heuristic_token_count("abcd" * 10) == 10
    assert heuristic_token_count("你好世界") == 4


def test_cost_from_pricing():
    cost, cur = compute_cost(Usage(1000, 500, 1500), CATALOG.get_model("openai", "gpt-4o-mini").pricing)
    assert cur == "USD" and cost == pytest.approx((1000 * 0.15 + 500 * 0.6) / 1e6)
    assert compute_cost(Usage(10, 10, 20), None) == (0.0, "USD")


def test_blocking_chat_records_provider_usage_and_cost():
    gw, client, sink = make_gateway(pricing={"input": 2, "output": 4, "unit": 1000, "currency": "EUR"})
    res = gw.chat({"model": "g", "messages": MSG, "temperature": 0.2, "unknown_field": 1},
                  CallContext(api_key_id="key1", account_id="acc1"))
    assert res["usage"]["total_tokens"] == 15
    assert "unknown_field" not in client.bodies[0] and client.bodies[0]["temperature"] == 0.2
    (rec,) = sink.records
    assert (rec.api_key_id, rec.account_id, rec.deployment_id, rec.status) == ("key1", "acc1", "d1", "success")
    assert rec.prompt_tokens == 10 and rec.completion_tokens == 5 and not rec.estimated
    assert rec.cost == pytest.approx((10 * 2 + 5 * 4) / 1000) and rec.currency == "EUR"


def test_missing_usage_is_estimated_and_marked():
    gw, _, sink = make_gateway(usage=False, text="word " * 40)
    res = gw.chat({"model": "g", "messages": MSG}, CallContext())
    assert res["usage"]["completion_tokens"] > 0
    assert sink.records[0].estimated is True


def test_stream_with_include_usage_ends_with_usage_chunk_then_done():
    gw, _, sink = make_gateway(text="a b c")
    ev = events(b"".join(gw.chat_stream({"model": "g", "messages": MSG, "stream": True,
                                         "stream_options": {"include_usage": True}}, CallContext())))
    assert ev[-1] == "[DONE]"
    assert ev[-2]["choices"] == [] and ev[-2]["usage"]["completion_tokens"] == 3
    assert "".join(e["choices"][0]["delta"].get("content", "") for e in ev[:-2] if e["choices"]) == "a b c"
    assert sink.records[0].status == "success" and sink.records[0].stream and sink.records[0].ttft_ms is not None


def test_stream_without_include_usage_has_no_usage_chunk():
    gw, client, _ = make_gateway(text="a b")
    ev = events(b"".join(gw.chat_stream({"model": "g", "messages": MSG, "stream": True}, CallContext())))
    assert ev[-1] == "[DONE]" and all(e == "[DONE]" or e["choices"] for e in ev)
    # upstream is always asked for usage so accounting does not have to estimate
    assert client.bodies[0]["stream_options"] == {"include_usage": True}


def test_stream_estimates_usage_when_upstream_sends_none():
    gw, _, sink = make_gateway(usage=False, text="a b c d")
    ev = events(b"".join(gw.chat_stream({"model": "g", "messages": MSG, "stream": True,
                                         "stream_options": {"include_usage": True}}, CallContext())))
    assert ev[-2]["choices"] == [] and ev[-2]["usage"]["completion_tokens"] > 0
    assert sink.records[0].estimated


def test_broken_stream_ends_with_error_event_not_done():
    gw, client, sink = make_gateway(text="a b c d e")
    client.stream_break_after = {"m": 2}
    ev = events(b"".join(gw.chat_stream({"model": "g", "messages": MSG, "stream": True}, CallContext())))
    assert "[DONE]" not in ev
    assert ev[-1]["error"]["code"] == "stream_interrupted" and ev[-1]["error"]["type"] == "server_error"
    assert sink.records[0].status == "error"
    assert gw.router.latency.stats("d1")["failures"] == 1


@pytest.mark.parametrize("body,param", [
    ({"messages": MSG}, "model"),
    ({"model": "g"}, "messages"),
    ({"model": "g", "messages": [{"role": "wizard", "content": "x"}]}, "messages[0].role"),
    ({"model": "g", "messages": MSG, "temperature": 5}, "temperature"),
    ({"model": "g", "messages": MSG, "max_tokens": 0}, "max_tokens"),
    ({"model": "g", "messages": MSG, "tools": [{"type": "function"}]}, "tools"),
    ({"model": "g", "messages": [{"role": "tool", "content": "x"}]}, "messages[0].tool_call_id"),
])
def test_validation_errors_name_the_param(body, param):
    gw, client, _ = make_gateway()
    with pytest.raises(InvalidRequestError) as e:
        gw.chat(body, CallContext())
    assert e.value.param == param and e.value.status_code == 400
    assert not client.bodies


def test_unknown_model_is_404_model_not_found():
    gw, _, sink = make_gateway()
    with pytest.raises(ModelNotFoundError) as e:
        gw.chat({"model": "nope", "messages": MSG}, CallContext())
    assert e.value.to_openai()["error"]["code"] == "model_not_found"
    assert sink.records[0].status == "error" and sink.records[0].error_code == "model_not_found"


def test_rate_limit_rejects_with_retry_after():
    gw, client, _ = make_gateway(rate_limit=RateLimit(rpm=2))
    ctx = CallContext(api_key_id="k")
    gw.chat({"model": "g", "messages": MSG}, ctx)
    gw.chat({"model": "g", "messages": MSG}, ctx)
    with pytest.raises(RateLimitError) as e:
        gw.chat({"model": "g", "messages": MSG}, ctx)
    assert e.value.status_code == 429 and e.value.retry_after >= 1 and e.value.code == "rate_limit_exceeded"
    assert len(client.bodies) == 2
    # per-key limit from the context wins over the default
    gw.chat({"model": "g", "messages": MSG}, CallContext(api_key_id="k", rate_limit=RateLimit(rpm=100)))


def test_buffered_sink_writes_batches_off_the_caller_thread():
    written = []
    sink = BufferedUsageSink(written.append, batch_size=50, flush_interval=0.05)
    for i in range(120):
        sink.emit(UsageRecord(model="m", endpoint="chat", status="success", total_tokens=i))
    sink.close()  # flushes the remainder synchronously
    flat = [r for batch in written for r in batch]
    assert sorted(r.total_tokens for r in flat) == list(range(120))
    assert all(len(b) <= 50 for b in written)


def test_buffered_sink_survives_writer_errors():
    calls = []

    def writer(batch):
        calls.append(len(batch))
        raise RuntimeError("db down")

    sink = BufferedUsageSink(writer, flush_interval=0.01)
    sink.emit(UsageRecord(model="m", endpoint="chat", status="success"))
    sink.close()
    sink.emit(UsageRecord(model="m", endpoint="chat", status="success"))
    sink.flush()
    assert sum(calls) == 2


def test_frames_already_buffered_upstream_are_written_together():
    from internal.core.language_model.clients import ReadyIterator

    gw, client, _ = make_gateway(text="a b c")
    plain = list(gw.chat_stream({"model": "g", "messages": MSG, "stream": True}, CallContext()))
    assert len(plain) > 3  # one write per frame when nothing says more is buffered

    original = client.chat_stream
    client.chat_stream = lambda dep, body: ReadyIterator(original(dep, body), lambda: True)
    writes = list(gw.chat_stream({"model": "g", "messages": MSG, "stream": True,
                                  "stream_options": {"include_usage": True}}, CallContext()))
    assert len(writes) <= 2  # first frame alone (it opened the stream), then the rest in one write
    assert writes[-1].endswith(b"data: [DONE]\n\n")
    assert b"".join(writes).count(b"data: ") == len(plain) + 1  # same frames (+ the usage chunk)


def test_unexpected_failure_mid_stream_still_ends_with_an_error_event():
    gw, client, sink = make_gateway(text="a b c")
    original = client.chat_stream

    def buggy(dep, body):
        it = original(dep, body)
        yield next(it)
        raise KeyError("bug")

    client.chat_stream = buggy
    ev = events(b"".join(gw.chat_stream({"model": "g", "messages": MSG, "stream": True}, CallContext())))
    assert ev[-1]["error"]["code"] == "internal_error" and "[DONE]" not in ev
    assert "bug" not in str(ev)  # no internal text leaks
    assert sink.records[0].status == "error"

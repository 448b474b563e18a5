import json

import pytest

from internal.core.agent import MAX_FRAME_BYTES, AgentEvent, AgentEventName
from internal.core.agent.runner import event_frame, ping_frame
from pkg import sse

CONTRACT = {"id", "event", "thought", "observation", "tool", "tool_input", "answer", "latency", "message_id",
            "task_id", "conversation_id"}


def test_frame_is_exactly_event_and_one_data_line():
    data = {"a": "line one\nline two", "b": "中文"}
    f = sse.frame("agent_message", data)
    assert isinstance(f, bytes)
    head, body = f.split(b"\n", 1)
    assert head == b"event: agent_message"
    assert body.startswith(b"data: ") and body.endswith(b"\n\n") and body.count(b"\n") == 2
    assert json.loads(body[6:-2]) == data
    assert sse.PING_COMMENT == b": ping\n\n"
    with pytest.raises(ValueError):
        sse.frame("bad\nname", {})
    assert list(sse.parse([f[:7], f[7:] + sse.PING_COMMENT])) == [("agent_message", data)]


def test_event_frame_carries_the_contract_fields():
    ev = AgentEvent(AgentEventName.AGENT_THOUGHT, task_id="t", message_id="m", conversation_id="c", thought="x")
    (name, data), = sse.parse([event_frame(ev)])
    assert name == "agent_thought" and CONTRACT <= set(data)
    assert {"total_token_count", "total_price", "message_token_count", "answer_token_count"} <= set(data)
    assert "stream" not in data and "persist" not in data
    (name, data), = sse.parse([ping_frame("t", "m", "c")])
    assert name == "ping" and (data["task_id"], data["message_id"], data["conversation_id"]) == ("t", "m", "c")


@pytest.mark.parametrize("filler", ["x", "é", "中", "\u0001"])
def test_long_fields_are_cut_in_the_stream_and_kept_whole_in_the_record(filler):
    big = filler * 20_000
    ev = AgentEvent(AgentEventName.AGENT_ACTION, observation=big, thought=big, tool="t",
                    tool_input={"q": big, "n": 1})
    f = event_frame(ev)
    assert len(f) <= MAX_FRAME_BYTES
    (_, data), = sse.parse([f])
    assert data["observation"].endswith("…[truncated]") and data["observation"].startswith(filler)
    assert isinstance(data["tool_input"], dict)
    assert ev.to_dict()["observation"] == big and ev.to_dict()["tool_input"]["q"] == big

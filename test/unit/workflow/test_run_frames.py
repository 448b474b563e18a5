"""Engine events → frames on the run channel (run_frames.py) and the reader that waits for a
run which may still produce frames (stream_frames' `alive`), over the in-process channel."""
from __future__ import annotations

from internal.core.streaming import ChannelSettings, InProcessStreamChannel, stream_frames
from internal.core.workflow.entities.runs import (
    EventType,
    NodeRunRecord,
    NodeStatus,
    RunResult,
    RunStatus,
    WorkflowEvent,
)
from internal.service.workflow.run_frames import ChannelSink, FrameStyle
from pkg import sse


def _events(run_id: str, end: EventType = EventType.RUN_SUCCEEDED) -> list[WorkflowEvent]:
    return [WorkflowEvent(EventType.RUN_STARTED, run_id, status="running"),
            WorkflowEvent(EventType.NODE_STARTED, run_id, node_id="start", node_type="start", title="开始"),
            WorkflowEvent(EventType.NODE_SUCCEEDED, run_id, node_id="start", node_type="start", title="开始",
                          outputs={"q": "x"}, latency=0.01),
            WorkflowEvent(end, run_id, status=str(end).split("_")[1], outputs={"q": "x"})]


def _entries(channel, run_id):
    with channel.subscribe(run_id) as sub:
        return sub.next_batch(0.1)


def test_api_events_are_frames_and_the_end_is_published_last_and_terminal():
    channel = InProcessStreamChannel()
    sink = ChannelSink(channel, "r1", FrameStyle.EVENTS)
    for event in _events("r1"):
        sink.emit(event)
    assert _entries(channel, "r1") == []  # a pure node's frames are held back until the engine flushes
    sink.flush()
    assert [e for entry in _entries(channel, "r1") for e, _ in sse.parse([entry.frame])] == [
        "run_started", "node_started", "node_succeeded"]  # the end waits for the run's bookkeeping
    sink.close(RunResult("r1", RunStatus.SUCCEEDED, {"q": "x"}))
    entries = _entries(channel, "r1")
    assert next(sse.parse([entries[-1].frame]))[0] == "run_succeeded" and entries[-1].terminal
    assert not any(e.terminal for e in entries[:-1])


def test_an_event_of_a_node_with_side_effects_goes_out_at_once_with_what_was_held():
    channel = InProcessStreamChannel()
    sink = ChannelSink(channel, "r4", FrameStyle.EVENTS)
    for event in _events("r4")[:3]:
        sink.emit(event)
    sink.emit(WorkflowEvent(EventType.NODE_STARTED, "r4", node_id="llm", node_type="llm", title="LLM"))
    assert [e for entry in _entries(channel, "r4") for e, _ in sse.parse([entry.frame])] == [
        "run_started", "node_started", "node_succeeded", "node_started"]
    sink.emit(WorkflowEvent(EventType.NODE_CHUNK, "r4", node_id="llm", node_type="llm", text="hi"))
    body = WorkflowEvent(EventType.NODE_SUCCEEDED, "r4", node_id="t", node_type="template_transform",
                         parent_node_id="iter", index=0)  # inside a container: never held back
    sink.emit(body)
    assert [next(sse.parse([e.frame]))[0] for e in _entries(channel, "r4")][-2:] == ["node_chunk", "node_succeeded"]


def test_a_passed_debug_run_ends_with_an_empty_terminal_frame():
    channel = InProcessStreamChannel()
    sink = ChannelSink(channel, "r2", FrameStyle.DEBUG)
    for event in _events("r2"):
        sink.emit(event)
    sink.close(RunResult("r2", RunStatus.SUCCEEDED))
    entries = _entries(channel, "r2")
    assert [next(sse.parse([e.frame]))[1]["node_id"] for e in entries[:-1]] == ["start"]  # finished nodes only
    assert entries[-1].frame == b"" and entries[-1].terminal
    stopped = ChannelSink(channel, "r3", FrameStyle.DEBUG)
    for event in _events("r3", EventType.RUN_STOPPED):
        stopped.emit(event)
    stopped.close(RunResult("r3", RunStatus.STOPPED))
    last = _entries(channel, "r3")[-1]
    assert last.terminal and next(sse.parse([last.frame]))[1]["status"] == "stopped"


def test_a_blocking_run_publishes_only_its_result():
    channel = InProcessStreamChannel()
    sink = ChannelSink(channel, "r4", FrameStyle.RESULT)
    for event in _events("r4"):
        sink.emit(event)
    record = NodeRunRecord("start", "start", "开始", NodeStatus.SUCCEEDED, outputs={"q": "x"})
    sink.close(RunResult("r4", RunStatus.SUCCEEDED, {"q": "x"}, node_records=[record]))
    (entry,) = _entries(channel, "r4")
    event, data = next(sse.parse([entry.frame]))
    assert entry.terminal and event == "result" and data["outputs"] == {"q": "x"}
    assert [n["node_id"] for n in data["node_results"]] == ["start"]
    failed = ChannelSink(channel, "r5", FrameStyle.RESULT)
    failed.close(None, "the run could not be completed here")
    assert next(sse.parse([_entries(channel, "r5")[0].frame])) == (
        "error", {"run_id": "r5", "error": "the run could not be completed here"})


def test_the_reader_waits_while_the_run_is_alive_and_gives_up_when_it_is_not():
    channel = InProcessStreamChannel(ChannelSettings(lease_ttl_s=0.01))
    checks = []

    def alive() -> bool:  # e.g. the row is still running: queued for a worker, or being resumed
        checks.append(1)
        if len(checks) == 3:
            channel.publish("r6", b"event: run_succeeded\ndata: {}\n\n", terminal=True)
        return True

    body = list(stream_frames(channel, "r6", ping=lambda: sse.PING_COMMENT, ping_interval=0.01, ping_first=False,
                              lost_frame=lambda: b"lost", alive=alive))
    assert body[-1].startswith(b"event: run_succeeded") and b"lost" not in body  # no lease, yet it waited
    gone = list(stream_frames(channel, "r7", ping=lambda: sse.PING_COMMENT, ping_interval=0.01, ping_first=False,
                              lost_frame=lambda: b"lost", alive=lambda: False))
    assert gone[-1] == b"lost"

"""The channel contract, run against both backends (in-process and real Redis)."""
import threading
import time

from internal.core.agent.runner import AgentRunner, NullHooks, ping_frame, request_stop, sweep_crashed_runs
from internal.core.streaming import TaskOwner, stream_frames
from pkg import sse
from test.support.processes import wait_until

DEADLINE_S = 10


def drain(sub, until_seq, timeout=DEADLINE_S):
    got, deadline = [], time.monotonic() + timeout
    while (not got or got[-1].seq < until_seq) and time.monotonic() < deadline:
        got.extend(sub.next_batch(0.5))
    return got


def test_frames_arrive_in_order_numbered_with_the_terminal_marked(channel):
    with channel.subscribe("t1") as sub:
        seqs = [channel.publish("t1", f"frame {i}".encode()) for i in range(5)]
        last = channel.publish("t1", b"end", terminal=True)
        got = drain(sub, last)
    assert seqs == [1, 2, 3, 4, 5] and last == 6
    assert [e.frame for e in got] == [b"frame 0", b"frame 1", b"frame 2", b"frame 3", b"frame 4", b"end"]
    assert [e.terminal for e in got] == [False] * 5 + [True]


def test_a_reader_that_reattaches_gets_exactly_the_frames_it_missed(channel):
    for i in range(10):
        channel.publish("t2", f"f{i}".encode())
    with channel.subscribe("t2", after=0) as first:
        seen = drain(first, 4)[:4]
    assert [e.seq for e in seen] == [1, 2, 3, 4]
    channel.publish("t2", b"f10", terminal=True)
    with channel.subscribe("t2", after=seen[-1].seq) as again:
        rest = drain(again, 11)
    assert [e.seq for e in rest] == list(range(5, 12)) and rest[-1].terminal


def test_a_waiting_reader_wakes_for_the_first_frame(channel):
    with channel.subscribe("t3") as sub:
        assert sub.next_batch(0.05) == []
        threading.Timer(0.05, lambda: channel.publish("t3", b"late")).start()
        started = time.monotonic()
        got = drain(sub, 1)
    assert [e.frame for e in got] == [b"late"] and time.monotonic() - started < 2


def test_two_readers_of_one_task_each_get_everything(channel):
    channel.publish("t4", b"a")
    with channel.subscribe("t4") as r1, channel.subscribe("t4") as r2:
        channel.publish("t4", b"b", terminal=True)
        assert [e.frame for e in drain(r1, 2)] == [b"a", b"b"]
        assert [e.frame for e in drain(r2, 2)] == [b"a", b"b"]


def test_stop_flag_and_owner_in_one_format(channel):
    account, end_user = TaskOwner.account("42"), TaskOwner.end_user("42")
    channel.set_owner("t5", end_user)
    assert channel.owner_of("t5") == "end_user:42"
    assert not request_stop(channel, "t5", account)          # same id, other kind: not the owner
    assert not channel.is_stop_requested("t5")
    assert request_stop(channel, "t5", end_user)
    assert channel.is_stop_requested("t5")
    assert not request_stop(channel, "unknown", end_user)


def test_stream_keeps_at_most_maxlen_frames(channel_factory):
    ch = channel_factory(stream_maxlen=100)
    for i in range(1000):
        ch.publish("t6", str(i).encode())
    with ch.subscribe("t6") as sub:
        got = drain(sub, 1000)
    assert got[-1].seq == 1000 and 100 <= len(got) < 1000


def test_crashed_run_lease_expires_and_is_claimed_once(channel_factory):
    ch = channel_factory(lease_ttl_s=0.3)
    alive = ch.hold_lease("alive", {"message_id": "m-alive"})
    done = ch.hold_lease("done", {"message_id": "m-done"})
    crashed = ch.hold_lease("crashed", {"message_id": "m-crashed", "conversation_id": "c"})
    assert ch.is_running("crashed")
    done.release()
    crashed.abandon()
    deadline = time.monotonic() + DEADLINE_S
    claimed = []
    with ch.subscribe("crashed") as sub:
        while not claimed and time.monotonic() < deadline:
            claimed = sweep_crashed_runs(ch)
            if not claimed:
                sub.next_batch(0.1)
        assert [(r.task_id, r.meta["message_id"], r.meta["conversation_id"]) for r in claimed] == [
            ("crashed", "m-crashed", "c")]
        ends = drain(sub, 1)
    (name, data), = sse.parse([ends[0].frame])
    assert name == "error" and data["message_id"] == "m-crashed" and ends[0].terminal
    assert sweep_crashed_runs(ch) == []                       # claimed exactly once
    assert ch.is_running("alive") and not ch.is_running("done") and not ch.is_running("crashed")
    alive.release()


def test_reader_pings_while_idle_and_ends_at_the_terminal_frame(channel):
    lease = channel.hold_lease("t7")
    body = stream_frames(channel, "t7", ping=lambda: ping_frame("t7", "m", "c"), ping_interval=0.05)
    first = next(body)
    assert list(sse.parse([first]))[0][0] == "ping"           # ids reach the client at once
    assert list(sse.parse([next(body)]))[0][0] == "ping"      # a slow first token: still pings
    channel.publish("t7", sse.frame("agent_message", {"thought": "hi"}))
    channel.publish("t7", sse.frame("agent_end", {}), terminal=True)
    rest = [name for name, _ in sse.parse(body)]
    assert [n for n in rest if n != "ping"] == ["agent_message", "agent_end"]
    lease.release()


def test_reader_ends_when_the_task_has_no_live_run(channel):
    lost = sse.frame("error", {"observation": "lost"})
    body = stream_frames(channel, "nobody", ping=lambda: ping_frame("nobody"), ping_interval=0.05,
                         ping_first=False, lost_frame=lambda: lost)
    assert list(body)[-1] == lost


def test_runner_streams_persists_steps_as_they_happen_and_honours_stop(channel):
    from internal.core.agent import AgentConfig, AgentTurn, create_agent
    from test.support.fake_chat import ScriptedChatModel, text, tool_calls
    from test.unit.agent.helpers import EchoTool

    saved, order = [], []

    class Hooks(NullHooks):
        def on_step(self, event):
            saved.append(str(event.event))

        def on_finish(self, outcome):
            order.append(("finish", outcome.status, outcome.answer))

    seen_when_tool_ran = []
    tool = EchoTool(on_call=lambda: seen_when_tool_ran.append(list(saved)))
    gate = threading.Event()
    llm = ScriptedChatModel(script=[tool_calls(("echo", {"q": "x"})), text("part ", gate.wait, "never")])
    agent = create_agent("function_calling", AgentConfig(llm=llm, tools=[tool], preamble_hold_chars=0))
    turn = AgentTurn(query="q", task_id="run1", message_id="m1", conversation_id="c1")
    owner = TaskOwner.account("me")
    lease = AgentRunner(channel, stop_poll_s=0).start(agent, turn, Hooks(), owner)
    assert channel.is_running("run1") and channel.owner_of("run1") == "account:me"
    events = []
    for name, data in sse.parse(stream_frames(channel, "run1", ping=lambda: ping_frame("run1"), ping_interval=0.1)):
        events.append(name)
        if name == "agent_message" and data["thought"] == "part ":
            assert request_stop(channel, "run1", owner)
            gate.set()
    assert seen_when_tool_ran == [["agent_thought"]]           # the thought was saved before the tool ran
    assert events[-1] == "stop" and "agent_action" in events
    assert order == [("finish", "stop", "part ")]
    wait_until(lambda: not channel.is_running("run1"), timeout=DEADLINE_S, what="lease released after the run")
    lease.release()


def test_runner_saves_the_outcome_before_the_end_frame_and_then_the_summary(channel):
    from internal.core.agent import AgentConfig, AgentTurn, create_agent
    from test.support.fake_chat import ScriptedChatModel, text

    calls = []

    class Hooks(NullHooks):
        def on_finish(self, outcome):
            with channel.subscribe("run2") as sub:
                frames = drain(sub, 1, timeout=0.2)
            calls.append(("finish", outcome.status, outcome.answer, any(e.terminal for e in frames)))

        def on_summary(self, summary):
            calls.append(("summary", summary))

    class Summariser:
        def summarise(self, previous, human, ai):
            return f"{previous} | {human} -> {ai}"

    llm = ScriptedChatModel(script=[text("Hi Ada")])
    agent = create_agent("function_calling", AgentConfig(llm=llm, long_term_memory=True))
    turn = AgentTurn(query="hello", long_term_memory="Ada", task_id="run2", message_id="m2")
    outcome = AgentRunner(channel).run(agent, turn, Hooks(), summariser=Summariser())
    assert outcome.status == "normal"
    assert calls == [("finish", "normal", "Hi Ada", False), ("summary", "Ada | hello -> Hi Ada")]
    with channel.subscribe("run2") as sub:
        names = [name for e in drain(sub, 4) for name, _ in sse.parse([e.frame])]
    assert names == ["long_term_memory_recall", "agent_message", "agent_message", "agent_end"]


def test_runner_survives_a_failing_persistence_hook(channel):
    from internal.core.agent import AgentConfig, AgentTurn, create_agent
    from test.support.fake_chat import ScriptedChatModel, text

    class Hooks(NullHooks):
        def on_step(self, event):
            raise RuntimeError("database down")

    agent = create_agent("function_calling", AgentConfig(llm=ScriptedChatModel(script=[text("ok")])))
    lease = channel.hold_lease("run3")
    outcome = AgentRunner(channel).run(agent, AgentTurn(query="q", task_id="run3"), Hooks(), lease=lease)
    assert outcome.status == "normal" and not channel.is_running("run3")
    with channel.subscribe("run3") as sub:
        assert drain(sub, 3)[-1].terminal


def test_runner_builds_the_agent_in_the_run_and_a_failed_build_ends_the_stream_without_a_run(channel):
    from contextlib import contextmanager

    from internal.core.agent import AgentConfig, AgentEvent, AgentEventName, AgentTurn, create_agent
    from test.support.fake_chat import ScriptedChatModel, text

    contexts, calls = [], []

    @contextmanager
    def run_in():  # the run's own context (the service's app context): build and prepare share it
        contexts.append(object())
        yield

    def build():
        calls.append(("build", contexts[-1]))
        return create_agent("function_calling", AgentConfig(llm=ScriptedChatModel(script=[text("ok")]))), None

    def prepare():
        calls.append(("prepare", contexts[-1]))

    def failed(exc):
        return AgentEvent(AgentEventName.ERROR, task_id="run4", observation=f"cannot run: {exc}")

    runner = AgentRunner(channel)
    turn = AgentTurn(query="q", task_id="run4", message_id="m4")
    runner.launch_building(build, turn, NullHooks(), runner.claim(turn, TaskOwner.account("me")), failed=failed,
                           run_in=run_in, prepare=prepare)
    names = [name for name, _ in sse.parse(stream_frames(channel, "run4", ping=lambda: ping_frame("run4"),
                                                          ping_first=False))]
    assert names[-1] == "agent_end" and len(contexts) == 1
    assert calls == [("build", contexts[0]), ("prepare", contexts[0])]

    def broken():
        raise RuntimeError("tool gone")

    running_when_failed = []

    def failed_noting_the_lease(exc):
        running_when_failed.append(channel.is_running("run5"))
        return failed(exc)

    turn = AgentTurn(query="q", task_id="run5", message_id="m5")
    lease = runner.claim(turn, TaskOwner.account("me"))
    with channel.subscribe("run5") as sub:
        runner.launch_building(broken, turn, NullHooks(), lease, failed=failed_noting_the_lease, prepare=prepare)
        frames = drain(sub, 1)
    assert [(name, data["observation"]) for e in frames for name, data in sse.parse([e.frame])] == [
        ("error", "cannot run: tool gone")]
    assert frames[-1].terminal and running_when_failed == [False]  # the lease went before the terminal frame
    assert [c for c, _ in calls] == ["build", "prepare"]  # a failed build prepares nothing

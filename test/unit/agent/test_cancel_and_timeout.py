import threading

from internal.core.agent import AgentConfig, CancelToken, RunControl
from test.support.fake_chat import ScriptedChatModel, text, tool_calls

from .helpers import EchoTool, names, outcome, run, ui_answer


def test_cancel_mid_stream_closes_the_model_stream_and_keeps_the_partial_answer():
    control = RunControl()
    llm = ScriptedChatModel(script=[text("Hello ", "wor", control.cancel.cancel, "ld, never sent")])
    events = run(AgentConfig(llm=llm), control=control)
    assert names(events)[-1] == "stop"
    assert ui_answer(events) == "Hello wor"
    assert llm.closed_early == [1]                   # the upstream stream was closed, not drained
    res = outcome(events)
    assert res.status == "stop" and res.answer == "Hello wor"


def test_stop_from_another_process_is_seen_through_the_remote_flag():
    flag = threading.Event()
    control = RunControl(cancel=CancelToken(remote=flag.is_set, poll_interval=0))
    llm = ScriptedChatModel(script=[text("a", flag.set, "b", "c")])
    events = run(AgentConfig(llm=llm), control=control)
    assert names(events)[-1] == "stop" and ui_answer(events) == "a"


def test_stop_during_a_tool_step_runs_no_more_tools_or_model_calls():
    control = RunControl()
    first, second = EchoTool("first", on_call=control.cancel.cancel), EchoTool("second")
    llm = ScriptedChatModel(script=[tool_calls(("first", {"q": "1"})), tool_calls(("second", {"q": "2"})),
                                    text("never")])
    events = run(AgentConfig(llm=llm, tools=[first, second]), control=control)
    assert names(events)[-1] == "stop"
    assert len(llm.calls) == 1 and second.received == []


def test_stop_while_parallel_tools_run_does_not_wait_for_them():
    control = RunControl()
    release = threading.Event()
    slow = EchoTool("slow", on_call=lambda: release.wait(10))
    stopper = EchoTool("stopper", on_call=control.cancel.cancel)
    llm = ScriptedChatModel(script=[tool_calls(("slow", {"q": "1"}), ("stopper", {"q": "2"}))])
    try:
        events = run(AgentConfig(llm=llm, tools=[slow, stopper]), control=control)
        assert names(events)[-1] == "stop" and not release.is_set()
    finally:
        release.set()


def test_deadline_ends_the_turn_with_a_timeout_event():
    control = RunControl()

    def expire():
        control.deadline = 0.0
    llm = ScriptedChatModel(script=[text("part", expire, "rest")])
    events = run(AgentConfig(llm=llm), control=control)
    assert names(events)[-1] == "timeout"
    res = outcome(events)
    assert res.status == "error" and res.answer == "part" and llm.closed_early == [1]


def test_config_timeout_bounds_the_turn_even_with_a_generous_caller():
    llm = ScriptedChatModel(script=[text("x")])
    events = run(AgentConfig(llm=llm, timeout_s=-1), control=RunControl())
    assert names(events) == ["timeout"] and llm.calls == []

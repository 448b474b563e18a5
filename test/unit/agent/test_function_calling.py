import threading

from langchain_core.messages import ToolMessage

from internal.core.agent import AgentConfig
from internal.core.agent.dataset_tool import DatasetRetrievalTool
from internal.core.agent.entities import DATASET_RETRIEVAL_TOOL
from internal.core.agent.prompts import MAX_ITERATIONS_ANSWER
from internal.core.language_model.entities import Pricing
from test.support.fake_chat import ScriptedChatModel, text, tool_calls

from .helpers import BarrierTool, EchoTool, FailingTool, names, outcome, run, streamed, ui_answer


def test_tool_call_then_answer_streams_steps_and_answer():
    llm = ScriptedChatModel(script=[tool_calls(("echo", {"q": "weather"})), text("It is ", "sunny.")])
    echo = EchoTool()
    events = run(AgentConfig(llm=llm, tools=[echo]), "weather?")
    assert names(events) == ["agent_thought", "agent_action", "agent_message", "agent_message", "agent_end"]
    assert echo.received == [{"q": "weather"}]
    action = next(e for e in events if e.event == "agent_action")
    assert (action.tool, action.tool_input, action.observation) == ("echo", {"q": "weather"}, "echo:weather")
    assert ui_answer(events) == "It is sunny."
    # the second call saw the tool result, linked to the call id
    tool_msgs = [m for m in llm.calls[1]["messages"] if isinstance(m, ToolMessage)]
    assert [(m.tool_call_id, m.content) for m in tool_msgs] == [("call_echo_0", "echo:weather")]
    assert llm.calls[0]["kwargs"]["tools"][0]["function"]["name"] == "echo"
    # one stable id for the frames of one model call; every frame carries the ids
    msg_ids = {e.id for e in streamed(events) if e.event == "agent_message"}
    assert len(msg_ids) == 1
    assert all((e.task_id, e.message_id, e.conversation_id) == ("t1", "m1", "c1") for e in events)
    res = outcome(events)
    assert res.status == "normal" and res.answer == "It is sunny."
    assert [str(s.event) for s in res.steps] == ["agent_thought", "agent_action", "agent_message"]


def test_parallel_tool_calls_run_concurrently():
    barrier = threading.Barrier(2)
    a, b = BarrierTool("a", barrier), BarrierTool("b", barrier)
    llm = ScriptedChatModel(script=[tool_calls(("a", {"q": "1"}), ("b", {"q": "2"})), text("done")])
    events = run(AgentConfig(llm=llm, tools=[a, b]))
    actions = [e for e in events if e.event == "agent_action"]
    assert [(e.tool, e.observation) for e in actions] == [("a", "a ran alongside"), ("b", "b ran alongside")]
    assert ui_answer(events) == "done"


def test_failing_tool_becomes_an_observation_and_the_run_continues():
    llm = ScriptedChatModel(script=[tool_calls(("broken", {"q": "x"})), text("Sorry, the service is down.")])
    events = run(AgentConfig(llm=llm, tools=[FailingTool()]))
    action = next(e for e in events if e.event == "agent_action")
    assert action.observation == "error: the service is down"
    assert names(events)[-1] == "agent_end"
    assert outcome(events).answer == "Sorry, the service is down."
    assert "error: the service is down" in llm.calls[1]["messages"][-1].content


def test_unknown_tool_and_bad_arguments_are_observations():
    bad_args = tool_calls(("echo", {"q": "x"}), split=False)
    bad_args[0].tool_call_chunks[0]["args"] = "{not json"
    llm = ScriptedChatModel(script=[tool_calls(("nope", {"q": "x"})), bad_args, text("ok")])
    echo = EchoTool()
    events = run(AgentConfig(llm=llm, tools=[echo]))
    obs = [e.observation for e in events if e.event == "agent_action"]
    assert obs == ["error: there is no tool named 'nope'", "error: the tool arguments are not valid JSON"]
    assert echo.received == []


def test_max_iterations_means_exactly_that_many_model_calls():
    loop = [tool_calls(("echo", {"q": str(i)})) for i in range(5)]
    llm = ScriptedChatModel(script=loop)
    echo = EchoTool()
    events = run(AgentConfig(llm=llm, tools=[echo], max_iterations=3))
    assert len(llm.calls) == 3
    assert len(echo.received) == 2          # the third call's tools are not run: no fourth call could read them
    assert ui_answer(events) == MAX_ITERATIONS_ANSWER
    assert names(events)[-1] == "agent_end"


def test_empty_completion_ends_cleanly():
    llm = ScriptedChatModel(script=[text(usage=(3, 0))])
    events = run(AgentConfig(llm=llm, tools=[EchoTool()]))
    assert names(events) == ["agent_message", "agent_end"]
    res = outcome(events)
    assert res.status == "normal" and res.answer == "" and res.total_tokens == 3


def test_text_before_a_tool_call_is_a_thought_not_the_answer():
    llm = ScriptedChatModel(script=[tool_calls(("echo", {"q": "x"}), preamble="Let me |look that up."),
                                    text("Found ", "it.")])
    events = run(AgentConfig(llm=llm, tools=[EchoTool()]))
    assert ui_answer(events) == "Found it."
    thought = next(e for e in events if e.event == "agent_thought")
    assert thought.thought == "Let me look that up."
    assert outcome(events).answer == "Found it."


def test_long_text_streams_before_the_call_ends_when_tools_are_bound():
    long = ["word " * 10] * 6      # 300 chars > the 160-char preamble hold
    seen_at_chunk = []
    script = text(*long)
    llm = ScriptedChatModel(script=[script])
    config = AgentConfig(llm=llm, tools=[EchoTool()])
    from internal.core.agent import AgentTurn, create_agent
    gen = create_agent("function_calling", config).run(AgentTurn(query="q"))
    for e in gen:
        if e.event == "agent_message" and e.stream and e.thought:
            seen_at_chunk.append(len(llm.calls))
            break
    gen.close()
    assert seen_at_chunk == [1] and llm.closed_early == [1]   # streamed mid-call, not at its end


def test_without_tools_text_streams_chunk_by_chunk():
    llm = ScriptedChatModel(script=[text("a", "b", "c")])
    events = run(AgentConfig(llm=llm))
    assert [e.thought for e in events if e.event == "agent_message" and e.stream] == ["a", "b", "c", ""]
    assert "tools" not in llm.calls[0]["kwargs"]


def test_tokens_and_price_are_summed_over_every_model_call():
    llm = ScriptedChatModel(script=[tool_calls(("echo", {"q": "1"}), usage=(100, 10)),
                                    tool_calls(("echo", {"q": "2"}), usage=(150, 20)),
                                    text("done", usage=(200, 30))])
    pricing = Pricing(input=1.0, output=2.0, unit=1000)
    events = run(AgentConfig(llm=llm, tools=[EchoTool()], pricing=pricing))
    res = outcome(events)
    assert res.total_tokens == 510
    assert (res.message_tokens, res.answer_tokens) == (450, 60)
    assert abs(res.total_price - (450 * 1.0 + 60 * 2.0) / 1000) < 1e-9
    end = events[-1]
    assert end.event == "agent_end" and end.total_token_count == 510
    first_thought = next(e for e in events if e.event == "agent_thought")
    assert (first_thought.message_token_count, first_thought.answer_token_count) == (100, 10)
    assert first_thought.message_unit_price == 1.0 and first_thought.message_price_unit == 1 / 1000
    final_stats = [e for e in events if e.event == "agent_message" and e.stream][-1]
    assert final_stats.total_token_count == 510   # the console overwrites its total from each frame


def test_dataset_retrieval_has_its_own_event():
    tool = DatasetRetrievalTool(lambda q: [{"content": f"passage about {q}"}])
    llm = ScriptedChatModel(script=[tool_calls((DATASET_RETRIEVAL_TOOL, {"query": "llamas"})), text("Llamas!")])
    events = run(AgentConfig(llm=llm, tools=[tool]))
    step = next(e for e in events if e.event == "dataset_retrieval")
    assert step.observation == "passage about llamas" and step.persist
    assert "agent_action" not in names(events)


def test_provider_error_is_an_error_event_with_a_safe_message():
    from internal.core.language_model.errors import UpstreamError

    def fail():
        raise UpstreamError("The upstream model provider failed.")
    llm = ScriptedChatModel(script=[[fail]])
    events = run(AgentConfig(llm=llm))
    assert names(events) == ["error"]
    assert events[-1].observation == "The upstream model provider failed."
    assert outcome(events).status == "error"


def test_unexpected_bug_is_an_error_event_without_internals():
    def boom():
        raise RuntimeError("secret internal detail")
    events = run(AgentConfig(llm=ScriptedChatModel(script=[[boom]])))
    assert events[-1].event == "error"
    assert "secret" not in events[-1].observation and "ref" in events[-1].observation

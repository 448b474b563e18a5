import pytest

from internal.core.agent import AgentConfig
from internal.core.agent.react_protocol import ReactStreamer, parse_react
from test.support.fake_chat import ScriptedChatModel, text

from .helpers import EchoTool, names, outcome, run, ui_answer

ACTION = 'Thought: I need the weather.\nAction: echo\nAction Input: {"q": "Paris weather"}'


def chunked(s: str, size: int) -> list[str]:
    return [s[i:i + size] for i in range(0, len(s), size)]


@pytest.mark.parametrize("size", [1, 2, 3, 7, 1000])
def test_action_is_parsed_from_the_whole_text_under_any_chunking(size):
    llm = ScriptedChatModel(script=[text(*chunked(ACTION, size)),
                                    text(*chunked("Thought: got it\nFinal Answer: Sunny in Paris.", size))])
    echo = EchoTool()
    events = run(AgentConfig(llm=llm, agent_type="react", tools=[echo]), "weather in Paris?")
    assert echo.received == [{"q": "Paris weather"}]
    assert ui_answer(events) == "Sunny in Paris."           # no protocol fragments in the answer
    thought = next(e for e in events if e.event == "agent_thought")
    assert (thought.tool, thought.tool_input, thought.thought) == ("echo", {"q": "Paris weather"},
                                                                    "I need the weather.")
    assert "Observation: echo:Paris weather" in llm.calls[1]["messages"][-1].content
    assert llm.calls[0]["stop"] == ["\nObservation:"]
    assert names(events)[-1] == "agent_end"
    assert outcome(events).answer == "Sunny in Paris."


def test_final_answer_streams_as_it_arrives():
    reply = ["Thought: easy\nFinal An", "swer: Hel", "lo ", "there"]
    events = run(AgentConfig(llm=ScriptedChatModel(script=[text(*reply)]), agent_type="react", tools=[EchoTool()]))
    deltas = [e.thought for e in events if e.event == "agent_message" and e.stream and e.thought]
    assert deltas == ["Hel", "lo ", "there"]
    assert next(e for e in events if e.event == "agent_thought").thought == "easy"


def test_a_reply_that_ignores_the_protocol_is_the_answer():
    reply = ["Paris is the ", "capital of France."]
    events = run(AgentConfig(llm=ScriptedChatModel(script=[text(*reply)]), agent_type="react", tools=[EchoTool()]))
    assert ui_answer(events) == "Paris is the capital of France."
    assert [e.thought for e in events if e.event == "agent_message" and e.stream and e.thought] == reply


@pytest.mark.parametrize("reply", ["", "ok", "Hi!"])
def test_short_and_empty_replies_end_with_agent_end(reply):
    pieces = [reply] if reply else []
    events = run(AgentConfig(llm=ScriptedChatModel(script=[text(*pieces)]), agent_type="react", tools=[EchoTool()]))
    assert names(events)[-1] == "agent_end"
    assert ui_answer(events) == reply


def test_course_style_json_block_and_bare_string_input():
    block = '```json\n{"name": "echo", "args": {"q": "one"}}\n```'
    bare = "Action: echo\nAction Input: two"
    llm = ScriptedChatModel(script=[text(block), text(bare), text("Final Answer: both")])
    echo = EchoTool()
    run(AgentConfig(llm=llm, agent_type="react", tools=[echo]))
    assert echo.received == [{"q": "one"}, {"q": "two"}]


def test_invented_observation_is_cut_off():
    p = parse_react(ACTION + "\nObservation: made up\nFinal Answer: fake")
    assert p.kind == "action" and p.tool == "echo" and "made up" not in p.transcript


def test_system_prompt_describes_tools_only_when_there_are_some():
    llm = ScriptedChatModel(script=[text("a"), text("b")])
    run(AgentConfig(llm=llm, agent_type="react", tools=[EchoTool()]))
    assert "Action Input" in llm.calls[0]["messages"][0].content and "echo" in llm.calls[0]["messages"][0].content
    run(AgentConfig(llm=llm, agent_type="react"))
    assert "Action Input" not in llm.calls[1]["messages"][0].content and llm.calls[1]["stop"] is None


def test_streamer_waits_while_the_head_could_still_be_a_protocol_word():
    s = ReactStreamer()
    assert s.feed("Tho") == "" and s.mode == "undecided"
    assert s.feed("Thought: x") == "" and s.mode == "protocol"
    s2 = ReactStreamer()
    assert s2.feed("Fin") == "" and s2.feed("Fine, thanks") == "Fine, thanks" and s2.mode == "plain"

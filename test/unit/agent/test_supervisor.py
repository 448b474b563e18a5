from internal.core.agent import AgentConfig, Delegate
from test.support.fake_chat import ScriptedChatModel, text, tool_calls

from .helpers import EchoTool, outcome, run, ui_answer


def test_supervisor_delegates_to_agents_exposed_as_tools():
    researcher_llm = ScriptedChatModel(script=[tool_calls(("echo", {"q": "facts"}), usage=(30, 3)),
                                               text("Facts: echo:facts", usage=(40, 4))])
    writer_llm = ScriptedChatModel(script=[text("A short poem.", usage=(50, 5))])
    delegates = [
        Delegate("researcher", "finds facts", AgentConfig(llm=researcher_llm, tools=[EchoTool()])),
        Delegate("writer", "writes text", AgentConfig(llm=writer_llm, agent_type="react")),
    ]
    boss = ScriptedChatModel(script=[
        tool_calls(("researcher", {"message": "find facts"}), ("writer", {"message": "write a poem"}),
                   usage=(100, 10)),
        text("Here you go: A short poem.", usage=(120, 12))])
    events = run(AgentConfig(llm=boss, agent_type="supervisor", delegates=delegates), "research and write")
    actions = {e.tool: e.observation for e in events if e.event == "agent_action"}
    assert actions == {"researcher": "Facts: echo:facts", "writer": "A short poem."}
    assert researcher_llm.calls[0]["messages"][-1].content == "find facts"
    assert ui_answer(events) == "Here you go: A short poem."
    tool_names = [t["function"]["name"] for t in boss.calls[0]["kwargs"]["tools"]]
    assert tool_names == ["researcher", "writer"]
    assert "researcher (finds facts)" in boss.calls[0]["messages"][0].content
    # the delegated agents' model calls count in the supervisor's turn
    assert outcome(events).total_tokens == (110 + 132) + (33 + 44) + 55


def test_a_failing_delegate_is_an_observation():
    broken = ScriptedChatModel(script=[[lambda: (_ for _ in ()).throw(RuntimeError("x"))]])
    boss = ScriptedChatModel(script=[tool_calls(("helper", {"message": "go"})), text("It failed.")])
    events = run(AgentConfig(llm=boss, agent_type="supervisor",
                             delegates=[Delegate("helper", "helps", AgentConfig(llm=broken))]))
    action = next(e for e in events if e.event == "agent_action")
    assert action.observation.startswith("error: the agent failed unexpectedly")
    assert outcome(events).status == "normal"

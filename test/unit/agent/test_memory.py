from langchain_core.messages import AIMessage, HumanMessage

from internal.core.agent import AgentConfig, select_history
from internal.core.agent.memory import ChatModelSummariser
from test.support.fake_chat import ScriptedChatModel, text

from .helpers import names, run

ROUNDS = [(f"question {i}", f"answer {i}") for i in range(10)]


def words(s: str) -> int:
    return len(s.split())


def test_history_bounded_by_dialog_rounds():
    msgs = select_history(ROUNDS, dialog_round=3, counter=words)
    assert [m.content for m in msgs] == ["question 7", "answer 7", "question 8", "answer 8", "question 9", "answer 9"]
    assert [type(m) for m in msgs[:2]] == [HumanMessage, AIMessage]


def test_history_bounded_by_tokens_keeps_whole_newest_rounds():
    msgs = select_history(ROUNDS, dialog_round=10, max_tokens=9, counter=words)   # 4 tokens per round
    assert [m.content for m in msgs] == ["question 8", "answer 8", "question 9", "answer 9"]
    assert select_history(ROUNDS, dialog_round=0) == []
    assert select_history([("a " * 50, "b")], dialog_round=5, max_tokens=10, counter=words) == []


def test_agent_sends_bounded_history_and_long_term_memory():
    llm = ScriptedChatModel(script=[text("fine")])
    events = run(AgentConfig(llm=llm, dialog_round=2, long_term_memory=True, token_counter=words),
                 "next question", history=ROUNDS, long_term_memory="The user is called Ada.")
    sent = llm.calls[0]["messages"]
    assert "The user is called Ada." in sent[0].content
    assert [m.content for m in sent[1:]] == ["question 8", "answer 8", "question 9", "answer 9", "next question"]
    assert names(events)[0] == "long_term_memory_recall"
    assert events[0].observation == "The user is called Ada." and events[0].persist


def test_chat_model_summariser_builds_on_the_previous_summary():
    llm = ScriptedChatModel(script=[text("Ada likes tea.")])
    summary = ChatModelSummariser(llm).summarise("The user is Ada.", "I like tea", "Noted!")
    assert summary == "Ada likes tea."
    prompt = llm.calls[0]["messages"][0].content
    assert "The user is Ada." in prompt and "I like tea" in prompt and "Noted!" in prompt

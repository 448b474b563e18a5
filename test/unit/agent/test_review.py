import random

import pytest

from internal.core.agent import AgentConfig, KeywordReview, OutputMasker, ReviewConfig
from test.support.fake_chat import ScriptedChatModel, text, tool_calls

from .helpers import EchoTool, names, outcome, run, ui_answer

APP_REVIEW = {"enable": True, "keywords": ["secret plan", "Forbidden"],
              "inputs_config": {"enable": True, "preset_response": "I cannot help with that."},
              "outputs_config": {"enable": True}}


def test_input_review_is_case_insensitive_and_answers_the_preset():
    llm = ScriptedChatModel(script=[])
    events = run(AgentConfig(llm=llm, review=ReviewConfig.from_app_config(APP_REVIEW)), "Tell me the SECRET Plan")
    assert llm.calls == []                       # the model is never asked
    assert ui_answer(events) == "I cannot help with that."
    assert names(events)[-1] == "agent_end"
    assert outcome(events).answer == "I cannot help with that."


def test_review_off_when_disabled():
    cfg = dict(APP_REVIEW, enable=False)
    llm = ScriptedChatModel(script=[text("a secret plan")])
    events = run(AgentConfig(llm=llm, review=ReviewConfig.from_app_config(cfg)), "secret plan")
    assert ui_answer(events) == "a secret plan"


def test_output_keyword_split_across_chunks_is_masked():
    llm = ScriptedChatModel(script=[text("Our sec", "ret pl", "an is FORB", "IDDEN to share.")])
    events = run(AgentConfig(llm=llm, review=ReviewConfig.from_app_config(APP_REVIEW)), "what is it?")
    assert ui_answer(events) == "Our ** is ** to share."
    assert outcome(events).answer == "Our ** is ** to share."
    assert not any("secret" in e.thought.lower() or "forb" in e.thought.lower() for e in events)


def test_output_review_still_streams():
    pieces = ["This is a long and harmless answer, ", "written in several pieces, ", "nothing to hide here."]
    llm = ScriptedChatModel(script=[text(*pieces)])
    events = run(AgentConfig(llm=llm, review=ReviewConfig.from_app_config(APP_REVIEW)))
    deltas = [e.thought for e in events if e.event == "agent_message" and e.stream and e.thought]
    assert len(deltas) >= 3 and "".join(deltas) == "".join(pieces)


def test_tool_preamble_is_masked_too():
    llm = ScriptedChatModel(script=[tool_calls(("echo", {"q": "x"}), preamble="the secret| plan"), text("ok")])
    events = run(AgentConfig(llm=llm, tools=[EchoTool()], review=ReviewConfig.from_app_config(APP_REVIEW)))
    assert next(e for e in events if e.event == "agent_thought").thought == "the **"


@pytest.mark.parametrize("seed", range(30))
def test_masker_equals_whole_text_masking_for_any_split(seed):
    rng = random.Random(seed)
    review = KeywordReview(["abc", "bcd", "zz", "x"])
    alphabet = "abcdxz "
    whole = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 60)))
    masker, out, i = OutputMasker(review), [], 0
    while i < len(whole):
        step = rng.randint(1, 5)
        out.append(masker.feed(whole[i:i + step]))
        i += step
    out.append(masker.flush())
    assert "".join(out) == review.mask(whole)

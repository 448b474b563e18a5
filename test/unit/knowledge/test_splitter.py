import pytest

from internal.core.text_splitter import (
    DEFAULT_SEPARATORS,
    CharCounter,
    ProcessRule,
    ProcessRuleError,
    clean_text,
    split_document,
    token_counter_for,
)


def _custom(size, overlap, seps=None, extra_space=True, url=True):
    return ProcessRule.parse(
        "custom",
        {
            "pre_process_rules": [
                {"id": "remove_extra_space", "enabled": extra_space},
                {"id": "remove_url_and_email", "enabled": url},
            ],
            "segment": {"separators": seps or DEFAULT_SEPARATORS, "chunk_size": size, "chunk_overlap": overlap},
        },
    )


@pytest.fixture(scope="module")
def counter(minilm):
    return token_counter_for(minilm)


def test_chunks_respect_token_budget_and_sentence_ends(counter):
    zh = "今天天气很好，我们去公园散步吧！" * 40
    en = "This is an English sentence about retrieval. " * 40
    chunks = split_document(zh + "\n\n" + en, _custom(100, 10), counter)
    assert len(chunks) > 4
    for c in chunks:
        assert counter.count([c.content])[0] <= 100
        assert c.token_count == counter.count([c.content])[0]
        # cut on sentence punctuation, never in the middle of a sentence
        assert c.content.endswith(("！", ".")), c.content[-10:]
    assert [c.position for c in chunks] == list(range(1, len(chunks) + 1))


def test_overlap_repeats_trailing_sentences(counter):
    text = " ".join(f"Sentence number {i} talks about topic {i}." for i in range(60))
    chunks = split_document(text, _custom(100, 30), counter)
    for a, b in zip(chunks, chunks[1:], strict=False):
        last_sentence = a.content.rsplit(". ", 1)[-1]
        assert last_sentence in b.content
    no_overlap = split_document(text, _custom(100, 0), counter)
    assert sum(len(c.content) for c in no_overlap) < sum(len(c.content) for c in chunks)


def test_long_unbroken_text_is_cut_on_token_boundaries(counter):
    text = "超长无标点中文文本" * 200
    chunks = split_document(text, _custom(100, 0, seps=["\n\n", "。"]), counter)
    assert all(counter.count([c.content])[0] <= 100 for c in chunks)
    assert "".join(c.content for c in chunks) == text


def test_splitting_is_deterministic(counter):
    text = "Alpha beta gamma. 中文句子。" * 100
    a = split_document(text, ProcessRule.automatic(), counter)
    b = split_document(text, ProcessRule.automatic(), counter)
    assert [(c.content, c.hash) for c in a] == [(c.content, c.hash) for c in b]


def test_model_limit_caps_chunk_size(counter):
    text = "word " * 3000
    chunks = split_document(text, _custom(1000, 0), counter, max_tokens=254)
    assert max(c.token_count for c in chunks) <= 254


def test_literal_separators_and_regex_separators():
    text = "a.b.c"
    chunks = split_document(text, _custom(100, 0, seps=["."]), CharCounter())
    assert chunks[0].content == "a.b.c"  # fits: "." is literal, not "any character"
    text = "x" * 150 + "|||" + "y" * 50
    chunks = split_document(text, _custom(100, 0, seps=["|||", ""]), CharCounter())
    assert chunks[0].content.startswith("x") and chunks[-1].content.endswith("y")


def test_cleaning_rules():
    raw = "Hello   world\u3000！\r\n\r\n\r\n\r\nMail me: a.b@example.com or see https://x.org/p?q=1 now\x00"
    r = _custom(200, 0)
    cleaned = clean_text(raw, r)
    assert "example.com" not in cleaned and "https://" not in cleaned
    assert "Hello world ！" in cleaned and "\n\n\n" not in cleaned and "\x00" not in cleaned
    kept = clean_text(raw, _custom(200, 0, extra_space=False, url=False))
    assert "a.b@example.com" in kept and "https://x.org" in kept and "Hello   world" in kept


@pytest.mark.parametrize(
    "process_type,rule",
    [
        ("bogus", {}),
        ("custom", None),
        ("custom", {"pre_process_rules": [], "segment": {"separators": [], "chunk_size": 500, "chunk_overlap": 0}}),
        ("custom", {"pre_process_rules": [{"id": "x", "enabled": True}], "segment": {"separators": ["\n"], "chunk_size": 500, "chunk_overlap": 0}}),
        ("custom", {"pre_process_rules": [], "segment": {"separators": ["\n"], "chunk_size": 50, "chunk_overlap": 0}}),
        ("custom", {"pre_process_rules": [], "segment": {"separators": ["\n"], "chunk_size": 500, "chunk_overlap": 300}}),
        ("custom", {"pre_process_rules": [], "segment": {"separators": ["\n"], "chunk_size": True, "chunk_overlap": 0}}),
    ],
)
def test_invalid_rules_are_rejected(process_type, rule):
    with pytest.raises(ProcessRuleError):
        ProcessRule.parse(process_type, rule)


def test_rule_roundtrip():
    r = _custom(300, 30)
    assert ProcessRule.from_dict(r.to_dict()) == r
    auto = ProcessRule.parse("automatic", {"whatever": 1})
    assert auto == ProcessRule.automatic()

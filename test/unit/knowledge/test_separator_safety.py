"""F4: separators never run user regular expressions, and splitting has a time budget per document
(issue 9). A regression would hang, so the hostile split runs in a child process with a deadline."""
from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from internal.core.text_splitter import CharCounter, ProcessRule, SplitBudgetExceeded, split_document

ROOT = Path(__file__).resolve().parents[3]
REDOS = "(a+)+$"


def _rule(seps, size=100, overlap=0):
    return ProcessRule.parse("custom", {
        "pre_process_rules": [{"id": "remove_extra_space", "enabled": True}],
        "segment": {"separators": seps, "chunk_size": size, "chunk_overlap": overlap},
    })


def test_a_redos_separator_finishes_quickly_in_a_child_process():
    script = (
        "from internal.core.text_splitter import CharCounter, ProcessRule, split_document\n"
        f"rule = ProcessRule.parse('custom', {{'pre_process_rules': [], 'segment': {{'separators': [{REDOS!r}, ''],"
        " 'chunk_size': 100, 'chunk_overlap': 0}})\n"
        "text = ('a' * 64 + '!\\n') * 200\n"
        "chunks = split_document(text, rule, CharCounter())\n"
        "print(len(chunks))\n"
    )
    started = time.monotonic()
    try:
        done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=30)
    except subprocess.TimeoutExpired:
        pytest.fail(f"splitting with the separator {REDOS!r} did not finish within 30 s (ReDoS)")
    assert done.returncode == 0, done.stderr[-2000:]
    assert int(done.stdout.strip()) > 1
    assert time.monotonic() - started < 30


def test_separators_are_literal_text_with_alternatives():
    text = "x" * 80 + "(a+)+$" + "y" * 80
    chunks = split_document(text, _rule([REDOS, ""]), CharCounter())
    assert chunks[0].content.endswith("(a+)+$")  # matched as the literal string it is
    # the course's alternatives and escapes keep working
    text = "第一句话。" * 30 + "Second one. " * 20 + "Third? yes! " * 10
    chunks = split_document(text, _rule(["。|！|？|!|\\?|\\.\\s", ""]), CharCounter())
    assert all(c.content.endswith(("。", ".", "?", "!")) for c in chunks), [c.content[-3:] for c in chunks]
    # a regex class is not a regex: "\\d+" means the text "d+"
    chunks = split_document("item 1 " * 40 + "d+" + "z" * 90, _rule(["\\d+", ""]), CharCounter())
    assert any(c.content.endswith("d+") for c in chunks)


def test_splitting_past_its_time_budget_raises_a_clear_error():
    text = "word " * 400_000
    with pytest.raises(SplitBudgetExceeded, match="longer than 0.001 seconds"):
        split_document(text, _rule([" ", ""]), CharCounter(), time_budget=0.001)
    assert split_document("short text. " * 10, _rule([". ", ""]), CharCounter(), time_budget=5)

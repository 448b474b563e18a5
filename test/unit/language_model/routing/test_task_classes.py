"""The rule classifier on a labelled table (English and Chinese), and how it reads a request."""
from __future__ import annotations

import pytest

from internal.core.language_model.routing import classify, profile_chat
from internal.core.language_model.routing.task_classes import CHAT, CODE, LONG_DOCUMENT, TRANSLATION

TABLE = [
    # code
    ("Write a Python function that merges two sorted lists.", CODE),
    ("Why does this crash?\n```js\nconst x = y.map(z => z.id)\n```", CODE),
    ("def add(a, b):\n    return a + b\nwhat is wrong here?", CODE),
    ("Traceback (most recent call last):\n  File \"a.py\", line 3\nKeyError: 'x'", CODE),
    ("SELECT name FROM users WHERE age > 30 -- make this faster", CODE),
    ("#include <stdio.h>\nint main() { printf(\"hi\"); }", CODE),
    ("How do I fix this bug in my JavaScript code?", CODE),
    ("Refactor the backend API to use async handlers", CODE),
    ("Translate this Python script to Go", CODE),  # programming languages: a port, not a translation
    ("写一个 Python 函数，计算斐波那契数列", CODE),
    ("这段代码报错了，帮我调试一下", CODE),
    ("用正则表达式匹配邮箱的算法怎么写", CODE),
    # translation
    ("Translate the following paragraph into French: The weather is lovely today.", TRANSLATION),
    ("translation please: 'Guten Morgen'", TRANSLATION),
    ("How do you say 'thank you very much' in Japanese?", TRANSLATION),
    ("English to Spanish: where is the train station?", TRANSLATION),
    ("en->zh: good morning, everyone", TRANSLATION),
    ("请把这段话翻译成英文：今天天气很好。", TRANSLATION),
    ("中译英：我们明天见", TRANSLATION),
    ("把下面的句子译成日语：谢谢你的帮助", TRANSLATION),
    ("“你好”用英语怎么说？", TRANSLATION),
    ("將這句話翻譯成中文: see you soon", TRANSLATION),
    # chat
    ("Hello! How are you today?", CHAT),
    ("What is the capital of Australia?", CHAT),
    ("Tell me a story about a python that lived in the jungle.", CHAT),  # one code word is not enough
    ("Please answer in English: what's a good name for a cat?", CHAT),
    ("Import duties on cars rose last year; what does that mean for buyers?", CHAT),
    ("select the best option from the list below: apples or pears", CHAT),
    ("你好，今天过得怎么样？", CHAT),
    ("请用中文回答：地球有多大？", CHAT),
    ("推荐几本好看的科幻小说", CHAT),
]


@pytest.mark.parametrize(("text", "expected"), TABLE)
def test_rule_table(text, expected):
    assert classify(text) == expected


def test_long_input_is_a_long_document_unless_it_asks_for_code_or_translation():
    essay = "The history of the region is long and varied. " * 1200  # ~14k tokens
    assert classify(essay, prompt_tokens=14_000, long_document_tokens=8000) == LONG_DOCUMENT
    assert classify(essay, prompt_tokens=14_000, long_document_tokens=0) == CHAT  # 0 disables it
    assert classify(essay + "\nTranslate all of the above into German.", prompt_tokens=14_000) == TRANSLATION
    # only the head and tail are read: a keyword buried in the middle of a document does not count
    buried = essay[:30_000] + " python function " + essay[:30_000]
    assert classify(buried, prompt_tokens=15_000) == LONG_DOCUMENT


def test_system_prompt_counts():
    assert classify("Bonjour tout le monde", system_text="You are a translator. Translate to English.") == \
        TRANSLATION
    assert classify("Sort [3, 1, 2]", system_text="你是一个编程助手，只输出代码和函数") == CODE


def test_profile_reads_the_last_user_message_and_the_long_document_threshold():
    body = {"messages": [
        {"role": "system", "content": "You are helpful."},
        {"role": "user", "content": "Write a python function for quicksort"},
        {"role": "assistant", "content": "Sure: ..."},
        {"role": "user", "content": [{"type": "text", "text": "And now a haiku about autumn, please."}]},
    ]}
    req = profile_chat(body, 8000)
    assert req.task == CHAT  # the conversation moved on
    long_body = {"messages": [{"role": "user", "content": "Summarise this report. " + "Revenue grew. " * 4000}]}
    req = profile_chat(long_body, 8000)
    assert req.task == LONG_DOCUMENT and req.prompt_tokens > 8000
    assert profile_chat(long_body, 100_000).task == CHAT
    zh = {"messages": [{"role": "user", "content": "总结这份报告。" + "收入增长了。" * 2000}]}
    assert profile_chat(zh, 8000).prompt_tokens >= 12_000  # one token per CJK character

"""Task classes of a chat request, from rules (English and Chinese), in microseconds.

Only the head and tail of the last user message and the head of the system prompt are read:
that is where people state what they want, and it bounds the cost on long documents.
Precedence (first match wins):
  1. code         a code fence or an unmistakable code construct (``def f(``, ``#include <``,
                  a Python traceback, ``SELECT … FROM``…), or two or more programming words
                  ("python", "function", "bug", "代码", "函数", "报错"…)
  2. translation  a translation request ("translate", "翻译", "译成英文", "中译英",
                  "English to French", "en->zh", "how do you say … in Spanish")
  3. long_document  the prompt is longer than the group's `long_document_tokens`
  4. chat         everything else
A request that names programming languages as a "translation" ("translate this Python to Go")
therefore counts as code. No learned classifier: on the labelled table of
test/unit/language_model/routing the rules are right on every row, a model would cost
milliseconds per request (docs/language-models.md, "Task-aware routing").
"""
from __future__ import annotations

import re

CODE = "code"
TRANSLATION = "translation"
LONG_DOCUMENT = "long_document"
CHAT = "chat"
TASK_CLASSES = (CODE, TRANSLATION, LONG_DOCUMENT, CHAT)

HEAD_CHARS = 1500
TAIL_CHARS = 500
SYSTEM_CHARS = 600

# Python's `re` scans fast only from a literal prefix, so every pattern runs behind a plain
# substring test (C speed) and starts with its literal; programming words are a set lookup of
# the lowered words. That keeps a 2 KB window in the tens of microseconds (bench/routing).
_STRONG_CODE: tuple[tuple[str, re.Pattern[str] | None], ...] = (
    ("```", None),
    ("Traceback (most recent call last)", None),
    ("def ", re.compile(r"def \w+\s*\(")),
    ("class ", re.compile(r"class \w+\s*[(:{]")),
    ("import ", re.compile(r"^[ \t]*(?:from [\w.]+ )?import [\w.]+", re.MULTILINE)),
    ("#include", re.compile(r"#include\s*[<\"]")),
    ("function", re.compile(r"function\s*\w*\s*\([^)\n]*\)\s*\{")),
    ("console.log(", None),
    ("System.out.", None),
    ("public static ", None),
    ("fn ", re.compile(r"fn \w+\s*\(")),
    ("func ", re.compile(r"func \w+\s*\(")),
    ("SELECT ", re.compile(r"SELECT [^;]{1,200}? FROM ")),
    ("=>", re.compile(r"=>\s*\{")),
    (");", re.compile(r"\);[ \t]*$", re.MULTILINE)),
)
_CODE_WORDS = frozenset(
    "python javascript typescript java golang rust kotlin swift php ruby c++ c# sql regex bash powershell "
    "function functions method methods compile compiler compiled bug bugs debug debugging refactor refactoring "
    "algorithm algorithms code coding script scripts exception variable variables api apis frontend backend "
    "leetcode dockerfile implement implementation stacktrace unittest".split())
_CODE_WORDS_ZH = ("代码", "函数", "编程", "程序", "报错", "调试", "算法", "重构", "脚本", "编译", "单元测试", "正则",
                  "接口", "变量", "异常", "前端", "后端")
# word separators for the lowered text (kept: letters, digits, + and # of "c++" / "c#")
_SEPARATORS = str.maketrans({c: " " for c in ".,:;!?()[]{}<>'\"`/\\|=*&^%$@~\u201c\u201d\u2018\u2019"})

_NATURAL = frozenset("english chinese mandarin cantonese french german japanese spanish korean russian italian "
                     "portuguese arabic vietnamese thai dutch".split())
_NATURAL_RE = "|".join(sorted(_NATURAL))
_ISO_RE = "en|zh|fr|de|ja|es|ko|ru|it|pt|ar|vi|th|nl"
_HOW_SAY = re.compile(rf"how (?:do|would|can) (?:you|i) say\b.{{0,80}}?\bin (?:{_NATURAL_RE})\b", re.DOTALL)
_PAIR = re.compile(rf"\b(?:{_NATURAL_RE})\s*(?:to|->|→|into)\s*(?:{_NATURAL_RE})\b")
_ISO_PAIR = re.compile(rf"\b(?:{_ISO_RE})\s*(?:->|→)\s*(?:{_ISO_RE})\b")
_ZH_PAIR = re.compile(r"[中英日法德韩俄]译[中英日法德韩俄]")
_ZH_INTO = re.compile(r"(?:译|翻|改写?|转|换)(?:成|为)\s*(?:英|中|汉|日|法|德|韩|俄|西班牙|葡萄牙|意大利)[文语]")
_ZH_SAY = re.compile(r"用(?:英|中|日|法|德|韩|俄)[文语]怎么说")


def _window(text: str) -> str:
    if len(text) <= HEAD_CHARS + TAIL_CHARS:
        return text
    return text[:HEAD_CHARS] + "\n" + text[-TAIL_CHARS:]


def _strong_code(text: str) -> bool:
    return any(anchor in text and (rx is None or rx.search(text) is not None) for anchor, rx in _STRONG_CODE)


def _code_words(words: set[str], text: str, ascii_only: bool) -> int:
    n = len(_CODE_WORDS.intersection(words))
    if n < 2 and not ascii_only:
        n += sum(1 for k in _CODE_WORDS_ZH if k in text)
    return n


def _translation(low: str, words: set[str], text: str, ascii_only: bool) -> bool:
    if "translat" in low:
        return True
    if "say" in words and _HOW_SAY.search(low):
        return True
    if len(_NATURAL.intersection(words)) >= 2 and _PAIR.search(low):
        return True
    if ("->" in low or "→" in low) and _ISO_PAIR.search(low):
        return True
    if ascii_only:
        return False
    return ("翻译" in text or "翻譯" in text or ("译" in text and _ZH_PAIR.search(text) is not None)
            or (("成" in text or "为" in text) and _ZH_INTO.search(text) is not None)
            or ("怎么说" in text and _ZH_SAY.search(text) is not None))


def classify(user_text: str, system_text: str = "", prompt_tokens: int = 0,
             long_document_tokens: int = 8000) -> str:
    """The task class of a request whose last user message is `user_text`."""
    text = _window(user_text)
    if system_text:
        text = system_text[:SYSTEM_CHARS] + "\n" + text
    if _strong_code(text):
        return CODE
    low = text.lower()
    ascii_only = text.isascii()
    words = set(low.translate(_SEPARATORS).split())
    if _code_words(words, text, ascii_only) >= 2:
        return CODE
    if _translation(low, words, text, ascii_only):
        return TRANSLATION
    if long_document_tokens > 0 and prompt_tokens > long_document_tokens:
        return LONG_DOCUMENT
    return CHAT

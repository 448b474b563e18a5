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

_STRONG_CODE = re.compile(
    r"```|\bdef \w+\s*\(|\bclass \w+\s*[(:{]|^\s*(?:from \w[\w.]* )?import \w|#include\s*[<\"]|"
    r"\bfunction\s*\w*\s*\([^)]*\)\s*\{|\bconsole\.log\(|\bSystem\.out\.|\bpublic static\b|"
    r"\bfn \w+\s*\(|\bfunc \w+\s*\(|Traceback \(most recent call last\)|\bSELECT\b[^;]{1,200}?\bFROM\b|"
    r"=>\s*\{|\w+\([^()\n]*\)\s*;\s*$",
    re.MULTILINE)
_CODE_WORDS = re.compile(
    r"\b(?:python|javascript|typescript|java|golang|rust|kotlin|swift|php|ruby|c\+\+|c#|sql|regex|bash|"
    r"shell script|function|functions|method|compile[rd]?|bug|debug(?:ging)?|refactor|unit tests?|algorithm|"
    r"code|script|stack ?trace|exception|variable|api|json schema|frontend|backend|leetcode|dockerfile|"
    r"implement(?:ation)?)\b"
    r"|代码|函数|编程|程序|报错|调试|算法|重构|脚本|编译|单元测试|正则|接口|变量|异常|前端|后端",
    re.IGNORECASE)
_NATURAL = (r"english|chinese|mandarin|cantonese|french|german|japanese|spanish|korean|russian|italian|"
            r"portuguese|arabic|vietnamese|thai|dutch")
_ISO = r"en|zh|fr|de|ja|es|ko|ru|it|pt|ar|vi|th|nl"
_TRANSLATION = re.compile(
    r"\btranslat(?:e|es|ed|ing|ion|or)\b"
    rf"|\bhow (?:do|would|can) (?:you|i) say\b.{{0,80}}?\bin (?:{_NATURAL})\b"
    rf"|\b(?:{_NATURAL})\s*(?:to|->|→|into)\s*(?:{_NATURAL})\b"
    rf"|\b(?:{_ISO})\s*(?:->|→|2)\s*(?:{_ISO})\b"
    r"|翻译|翻譯|[中英日法德韩俄]译[中英日法德韩俄]"
    r"|(?:译|翻|改写?|转|换)(?:成|为)\s*(?:英|中|汉|日|法|德|韩|俄|西班牙|葡萄牙|意大利)[文语]"
    r"|用(?:英|中|日|法|德|韩|俄)[文语]怎么说",
    re.IGNORECASE | re.DOTALL)


def _window(text: str) -> str:
    if len(text) <= HEAD_CHARS + TAIL_CHARS:
        return text
    return text[:HEAD_CHARS] + "\n" + text[-TAIL_CHARS:]


def _code_score(text: str) -> int:
    if _STRONG_CODE.search(text):
        return 2
    seen: set[str] = set()
    for m in _CODE_WORDS.finditer(text):
        seen.add(m.group(0).lower())
        if len(seen) >= 2:
            return 2
    return len(seen)


def classify(user_text: str, system_text: str = "", prompt_tokens: int = 0,
             long_document_tokens: int = 8000) -> str:
    """The task class of a request whose last user message is `user_text`."""
    text = _window(user_text)
    if system_text:
        text = system_text[:SYSTEM_CHARS] + "\n" + text
    if _code_score(text) >= 2:
        return CODE
    if _TRANSLATION.search(text):
        return TRANSLATION
    if long_document_tokens > 0 and prompt_tokens > long_document_tokens:
        return LONG_DOCUMENT
    return CHAT

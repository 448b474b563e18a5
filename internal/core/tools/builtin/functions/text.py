"""Text utilities: JSON query (JMESPath), regex extraction (the `regex` engine with a time
limit, so a catastrophic pattern cannot stall a worker), word count (CJK characters count as
words)."""
from __future__ import annotations

import json
from typing import Any

import jmespath
import regex
from jmespath.exceptions import JMESPathError

from ...base import ToolError
from ..registry import BuiltinContext, builtin_tool

REGEX_TIMEOUT_S = 0.5
_WORDS = regex.compile(r"[\p{Han}\p{Hiragana}\p{Katakana}]|[\p{L}\p{N}]+(?:['’-][\p{L}\p{N}]+)*")
_FLAGS = {"i": regex.IGNORECASE, "m": regex.MULTILINE, "s": regex.DOTALL, "x": regex.VERBOSE}


@builtin_tool("text", "json_query")
def json_query(args: dict[str, Any], ctx: BuiltinContext) -> Any:
    try:
        doc = json.loads(args["json"])
    except ValueError as e:
        raise ToolError(f"json is not valid JSON: {e.msg} at line {e.lineno} column {e.colno}") from None
    try:
        return {"result": jmespath.search(args["expression"], doc)}
    except JMESPathError as e:
        raise ToolError(f"invalid JMESPath expression: {str(e).splitlines()[0]}") from None


@builtin_tool("text", "regex_extract")
def regex_extract(args: dict[str, Any], ctx: BuiltinContext) -> dict[str, Any]:
    flags = 0
    for f in (args.get("flags") or "").lower():
        if f not in _FLAGS:
            raise ToolError(f"unknown flag {f!r} (use i, m, s, x)")
        flags |= _FLAGS[f]
    try:
        pattern = regex.compile(args["pattern"], flags)
    except regex.error as e:
        raise ToolError(f"invalid pattern: {e}") from None
    limit = int(args.get("max_matches") or 50)
    matches: list[Any] = []
    try:
        for m in pattern.finditer(args["text"], timeout=REGEX_TIMEOUT_S):
            matches.append(m.group(0) if not m.groups() else (m.groupdict() or list(m.groups())))
            if len(matches) >= limit:
                break
    except TimeoutError:
        raise ToolError("the pattern took too long on this text (simplify it)") from None
    return {"count": len(matches), "matches": matches}


@builtin_tool("text", "word_count")
def word_count(args: dict[str, Any], ctx: BuiltinContext) -> dict[str, Any]:
    text = args["text"]
    return {"words": len(_WORDS.findall(text)), "characters": len(text),
            "characters_no_spaces": sum(1 for c in text if not c.isspace()),
            "lines": text.count("\n") + 1 if text else 0}

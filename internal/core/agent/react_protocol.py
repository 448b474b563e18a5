"""The ReAct text protocol for models without tool calling: parsing and streaming decisions.

Everything here reads the WHOLE text accumulated so far, never the latest fragment (the course
backend parsed a fragment captured once and lost tool calls on real streams): a marker split
across two chunks is found as soon as its last piece arrives.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

FINAL_RE = re.compile(r"final[ \t]*answer[ \t]*:", re.IGNORECASE)
ACTION_RE = re.compile(r"^[ \t]*action[ \t]*:[ \t]*(.*?)[ \t]*$", re.IGNORECASE | re.MULTILINE)
INPUT_RE = re.compile(r"action[ \t]*input[ \t]*:", re.IGNORECASE)
OBSERVATION_RE = re.compile(r"\n[ \t]*observation[ \t]*:", re.IGNORECASE)
THOUGHT_LABEL_RE = re.compile(r"^\s*thought[ \t]*:[ \t]*", re.IGNORECASE)
_PROTOCOL_STARTS = ("thought", "action", "final answer", "```", "{")


@dataclass
class ReactParse:
    kind: str                              # "final" | "action" | "plain"
    thought: str = ""
    answer: str = ""
    tool: str = ""
    args: dict[str, Any] = field(default_factory=dict)
    raw_input: str = ""                    # Action Input when it was not a JSON object
    transcript: str = ""                   # the text to keep in the conversation (up to the action)


def _strip_label(text: str) -> str:
    return THOUGHT_LABEL_RE.sub("", text, count=1).strip()


def first_json_object(text: str) -> dict[str, Any] | None:
    decoder = json.JSONDecoder()
    start = text.find("{")
    while start != -1:
        try:
            obj, _ = decoder.raw_decode(text, start)
        except ValueError:
            start = text.find("{", start + 1)
            continue
        return obj if isinstance(obj, dict) else None
    return None


def parse_react(text: str) -> ReactParse:
    obs = OBSERVATION_RE.search(text)      # a model that invents its own observation: cut it off
    if obs:
        text = text[:obs.start()]
    final, action = FINAL_RE.search(text), ACTION_RE.search(text)
    if action and action.group(1) and (not final or action.start() < final.start()):
        name = action.group(1).strip().strip("`'\"[]")
        after = text[action.end():]
        marker = INPUT_RE.search(after)
        raw = after[marker.end():].strip() if marker else ""
        raw = raw.removeprefix("```json").removeprefix("```").removesuffix("```").strip()
        args = first_json_object(raw) if raw else {}
        return ReactParse("action", thought=_strip_label(text[:action.start()]), tool=name,
                          args=args if args is not None else {}, raw_input=raw if args is None else "",
                          transcript=text.rstrip())
    if final:
        return ReactParse("final", thought=_strip_label(text[:final.start()]), answer=text[final.end():].strip())
    obj = first_json_object(text) if "{" in text else None   # {"name": …, "args": {…}} (course style)
    if obj and isinstance(obj.get("name"), str):
        args = next((obj[k] for k in ("args", "arguments", "input") if isinstance(obj.get(k), dict)), None)
        if args is not None:
            return ReactParse("action", thought=_strip_label(text[:text.find("{")].replace("```json", "")),
                              tool=obj["name"], args=args, transcript=text.rstrip())
    return ReactParse("plain", answer=_strip_label(text))


class ReactStreamer:
    """Decides, on the accumulated text, what may stream as the answer while the reply arrives:
    the text after `Final Answer:`, or the whole reply when it plainly ignores the protocol."""

    def __init__(self) -> None:
        self.mode = "undecided"            # undecided | protocol | action | final | plain
        self._answer_start = 0
        self._released = 0
        self.thought = ""

    def feed(self, acc: str) -> str:
        if self.mode in ("undecided", "protocol"):
            self._classify(acc)
        if self.mode not in ("final", "plain"):
            return ""
        answer = acc[self._answer_start:].lstrip()
        new = answer[self._released:]
        self._released = len(answer)
        return new

    def _classify(self, acc: str) -> None:
        final, action = FINAL_RE.search(acc), ACTION_RE.search(acc)
        if action and action.group(1) and (not final or action.start() < final.start()):
            self.mode = "action"
        elif final:
            self.mode, self._answer_start = "final", final.end()
            self.thought = _strip_label(acc[:final.start()])
        elif self.mode == "undecided":
            head = acc.lstrip().lower()
            if head.startswith(_PROTOCOL_STARTS):
                self.mode = "protocol"
            elif head and not any(w.startswith(head) for w in _PROTOCOL_STARTS):
                self.mode, self._answer_start = "plain", 0

"""Keyword content review (the app's `review_config`).

Input review: a query containing any keyword (case-insensitive) is not sent to the model; the
turn answers the configured preset response. Output review: every keyword occurrence in the
answer is masked with `**`, judged on the WHOLE accumulated text — never chunk by chunk, so a
keyword split across two streamed chunks is still caught. `OutputMasker` streams anyway: it
releases everything except the last (longest keyword − 1) characters, which could still be the
start of a keyword; nothing unreviewed ever leaves it. With review off it is a pass-through.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

MASK = "**"


class KeywordReview:
    def __init__(self, keywords: Iterable[str]) -> None:
        words = sorted({k.strip() for k in keywords if k and k.strip()}, key=len, reverse=True)
        # longest first: at one position the longer keyword wins
        self.pattern = re.compile("|".join(re.escape(w) for w in words), re.IGNORECASE) if words else None
        self.max_len = len(words[0]) if words else 0

    def __bool__(self) -> bool:
        return self.pattern is not None

    def matches(self, text: str) -> bool:
        return bool(self.pattern and self.pattern.search(text))

    def mask(self, text: str) -> str:
        return self.pattern.sub(MASK, text) if self.pattern else text


@dataclass(frozen=True)
class ReviewConfig:
    keywords: tuple[str, ...] = ()
    inputs_enable: bool = False
    preset_response: str = ""
    outputs_enable: bool = False

    @classmethod
    def from_app_config(cls, cfg: Mapping[str, Any] | None) -> ReviewConfig:
        """The console's shape: {enable, keywords[], inputs_config{enable, preset_response},
        outputs_config{enable}}; review is on only when `enable` is."""
        cfg = cfg or {}
        if not cfg.get("enable"):
            return cls()
        inputs = cfg.get("inputs_config") or {}
        outputs = cfg.get("outputs_config") or {}
        return cls(keywords=tuple(str(k) for k in cfg.get("keywords") or ()),
                   inputs_enable=bool(inputs.get("enable")), preset_response=str(inputs.get("preset_response") or ""),
                   outputs_enable=bool(outputs.get("enable")))

    def input_review(self) -> KeywordReview | None:
        review = KeywordReview(self.keywords) if self.inputs_enable else None
        return review if review else None

    def output_review(self) -> KeywordReview | None:
        review = KeywordReview(self.keywords) if self.outputs_enable else None
        return review if review else None


@dataclass
class OutputMasker:
    """Feed raw model text; get back text that is safe to release (reviewed, masked)."""

    review: KeywordReview | None
    _pending: str = field(default="", init=False)

    def feed(self, text: str) -> str:
        if not self.review:
            return text
        self._pending += text
        pending, hold = self._pending, self.review.max_len - 1
        safe_end = len(pending) - hold        # a keyword starting before this is entirely in `pending`
        if safe_end <= 0:
            return ""
        out, pos = [], 0
        for m in self.review.pattern.finditer(pending):
            if m.start() >= safe_end:
                break
            out.append(pending[pos:m.start()])
            out.append(MASK)
            pos = m.end()
        if pos < safe_end:
            out.append(pending[pos:safe_end])
            pos = safe_end
        self._pending = pending[pos:]
        return "".join(out)

    def flush(self) -> str:
        rest, self._pending = self._pending, ""
        return self.review.mask(rest) if self.review else rest

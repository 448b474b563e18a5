"""Recursive, token-measured text splitter that respects Chinese and English punctuation.

Algorithm: cut on the coarsest separator present in the text (paragraphs, lines, sentence
ends, clauses, words, characters); separators stay attached to the end of the piece they
close ("。", ". ", "\\n"), so sentences keep their punctuation. Pieces that still exceed
``chunk_size`` tokens are split with the next finer separator; neighbouring pieces are then
greedily merged up to ``chunk_size`` tokens, and consecutive chunks share up to
``chunk_overlap`` tokens of trailing pieces. A piece with no separator left is cut on exact
token boundaries (tokenizer offsets). Splitting is deterministic: the same text and rule
always give the same chunks (needed for idempotent re-indexing).
"""
from __future__ import annotations

import hashlib
import re
import time
from dataclasses import dataclass
from functools import lru_cache

from .cleaner import clean_text
from .process_rule import ProcessRule
from .token_counter import TokenCounter


@dataclass(frozen=True)
class Chunk:
    content: str
    position: int  # 1-based, in document order
    token_count: int
    hash: str  # sha256 of the content


class SplitBudgetExceeded(ValueError):
    """Splitting took longer than its time budget; the message is safe to show to the user."""


# Escapes a separator may use; any other backslash-escaped character stands for itself.
_ESCAPES = {"s": r"\s", "n": "\n", "t": "\t", "r": "\r"}


@lru_cache(maxsize=256)
def _compile_separator(sep: str) -> re.Pattern | None:
    """Separators are literal strings, never regular expressions from users (issue 9, F4: a
    pattern such as ``(a+)+$`` backtracks for hours). For compatibility with the course's
    defaults (``。|！|？``, ``\\.\\s``) a separator may list alternatives with ``|`` and use
    the escapes ``\\s`` (any whitespace character), ``\\n``, ``\\t``, ``\\r`` and ``\\x``
    (the character x itself, e.g. ``\\|``). The pattern built from that has no repetition, so
    matching is linear in the text. A single character is always itself; ``""`` means
    "split between tokens" and returns None."""
    if sep == "":
        return None
    if len(sep) == 1:
        return re.compile(re.escape(sep))
    alternatives: list[str] = []
    current: list[str] = []
    i = 0
    while i < len(sep):
        ch = sep[i]
        if ch == "\\" and i + 1 < len(sep):
            nxt = sep[i + 1]
            current.append(_ESCAPES.get(nxt, re.escape(nxt)))
            i += 2
            continue
        if ch == "|":
            alternatives.append("".join(current))
            current = []
        else:
            current.append(re.escape(ch))
        i += 1
    alternatives.append("".join(current))
    alternatives = [a for a in alternatives if a]
    if not alternatives:  # e.g. "|||": the string itself
        return re.compile(re.escape(sep))
    return re.compile("|".join(alternatives))


def _split_keep(text: str, pat: re.Pattern) -> list[str]:
    pieces, last = [], 0
    for m in pat.finditer(text):
        if m.end() == m.start():
            continue
        if m.end() > last:
            pieces.append(text[last : m.end()])
            last = m.end()
    if last < len(text):
        pieces.append(text[last:])
    return [p for p in pieces if p]


class TokenTextSplitter:
    def __init__(self, counter: TokenCounter, chunk_size: int, chunk_overlap: int, separators: list[str] | tuple[str, ...],
                 time_budget: float | None = None):
        if chunk_size <= 0:
            raise ValueError("chunk_size must be positive")
        self.counter = counter
        self.chunk_size = chunk_size
        self.chunk_overlap = max(0, min(chunk_overlap, chunk_size // 2))
        self.separators = list(separators) or [""]
        self.time_budget = time_budget
        self._deadline: float | None = None

    def _check_budget(self) -> None:
        if self._deadline is not None and time.monotonic() > self._deadline:
            raise SplitBudgetExceeded(
                f"splitting the document took longer than {self.time_budget:g} seconds; "
                "use fewer or simpler separators, or split the file into smaller documents")

    # -- public -----------------------------------------------------------------------
    def split_text(self, text: str) -> list[str]:
        if not text.strip():
            return []
        self._deadline = time.monotonic() + self.time_budget if self.time_budget else None
        pieces = self._split(text, self.separators)
        return [c for c in (p.strip() for p in pieces) if c]

    # -- internals --------------------------------------------------------------------
    def _split(self, text: str, separators: list[str]) -> list[str]:
        self._check_budget()
        # choose the first separator that occurs in the text
        chosen_idx = len(separators)
        pat = None
        for i, sep in enumerate(separators):
            p = _compile_separator(sep)
            if p is None:
                chosen_idx = i
                break
            if p.search(text):
                chosen_idx, pat = i, p
                break
        rest = separators[chosen_idx + 1 :]
        if pat is None:
            return self._hard_split(text)
        splits = _split_keep(text, pat)
        counts = self.counter.count(splits)
        out: list[str] = []
        good: list[tuple[str, int]] = []
        for piece, n in zip(splits, counts, strict=False):
            self._check_budget()
            if n <= self.chunk_size:
                good.append((piece, n))
                continue
            if good:
                out.extend(self._merge(good))
                good = []
            out.extend(self._split(piece, rest) if rest else self._hard_split(piece))
        if good:
            out.extend(self._merge(good))
        return out

    def _merge(self, pieces: list[tuple[str, int]]) -> list[str]:
        chunks: list[str] = []
        window: list[tuple[str, int]] = []
        total = 0
        for piece, n in pieces:
            if window and total + n > self.chunk_size:
                chunks.append("".join(p for p, _ in window))
                # keep a tail of at most chunk_overlap tokens that still leaves room for `piece`
                while window and (total > self.chunk_overlap or total + n > self.chunk_size):
                    total -= window[0][1]
                    window.pop(0)
            window.append((piece, n))
            total += n
        if window:
            chunks.append("".join(p for p, _ in window))
        return chunks

    def _hard_split(self, text: str) -> list[str]:
        offsets = self.counter.offsets(text)
        if len(offsets) <= self.chunk_size:
            return [text]
        step = max(1, self.chunk_size - self.chunk_overlap)
        out = []
        for start in range(0, len(offsets), step):
            self._check_budget()
            window = offsets[start : start + self.chunk_size]
            out.append(text[window[0][0] : window[-1][1]])
            if start + self.chunk_size >= len(offsets):
                break
        return out


def split_document(text: str, rule: ProcessRule, counter: TokenCounter, max_tokens: int | None = None,
                   time_budget: float | None = None) -> list[Chunk]:
    """Clean + split ``text`` with ``rule``. ``max_tokens`` (the embedding model's input limit)
    caps the effective chunk size so no chunk is silently truncated by the model.
    ``time_budget`` (seconds): past it, SplitBudgetExceeded instead of holding the worker."""
    size = rule.segment.chunk_size
    if max_tokens:
        size = min(size, max_tokens)
    overlap = min(rule.segment.chunk_overlap, size // 2)
    cleaned = clean_text(text, rule)
    splitter = TokenTextSplitter(counter, size, overlap, rule.segment.separators, time_budget)
    contents = splitter.split_text(cleaned)
    counts = counter.count(contents)
    return [
        Chunk(c, i + 1, n, hashlib.sha256(c.encode("utf-8")).hexdigest())
        for i, (c, n) in enumerate(zip(contents, counts, strict=False))
    ]

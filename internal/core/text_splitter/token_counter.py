"""Token counting for the splitter: chunk sizes are measured in embedding-model tokens."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol


class TokenCounter(Protocol):
    def count(self, texts: Sequence[str]) -> list[int]: ...

    def offsets(self, text: str) -> list[tuple[int, int]]: ...


class HFTokenCounter:
    """Counts with a Hugging Face ``tokenizers.Tokenizer`` (e.g. the MiniLM WordPiece one)."""

    def __init__(self, tokenizer):
        from copy import deepcopy

        tok = deepcopy(tokenizer)
        tok.no_truncation()
        tok.no_padding()
        self._tok = tok

    def count(self, texts: Sequence[str]) -> list[int]:
        if not texts:
            return []
        return [len(e.ids) for e in self._tok.encode_batch(list(texts), add_special_tokens=False)]

    def offsets(self, text: str) -> list[tuple[int, int]]:
        return list(self._tok.encode(text, add_special_tokens=False).offsets)


class TiktokenCounter:
    """For OpenAI-compatible embedding models (cl100k_base by default)."""

    def __init__(self, encoding: str = "cl100k_base"):
        import tiktoken

        self._enc = tiktoken.get_encoding(encoding)

    def count(self, texts: Sequence[str]) -> list[int]:
        return [len(x) for x in self._enc.encode_ordinary_batch(list(texts))] if texts else []

    def offsets(self, text: str) -> list[tuple[int, int]]:
        out, pos = [], 0
        for tok in self._enc.encode_ordinary(text):
            piece = self._enc.decode_single_token_bytes(tok).decode("utf-8", errors="ignore")
            end = min(len(text), pos + len(piece))
            out.append((pos, end))
            pos = end
        return out


class CharCounter:
    """Fallback: one token per character (used only when no tokenizer is known)."""

    def count(self, texts: Sequence[str]) -> list[int]:
        return [len(t) for t in texts]

    def offsets(self, text: str) -> list[tuple[int, int]]:
        return [(i, i + 1) for i in range(len(text))]


def token_counter_for(embeddings) -> TokenCounter:
    own = getattr(embeddings, "token_counter", None)  # a model that counts its tokens itself
    if callable(own):
        return own()
    tok = getattr(embeddings, "tokenizer", None)
    if tok is not None:
        return HFTokenCounter(tok)
    try:
        return TiktokenCounter()
    except Exception:  # noqa: BLE001 - tiktoken data unavailable offline
        return CharCounter()

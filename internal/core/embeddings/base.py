"""One embeddings interface for the whole engine.

Every implementation is also a LangChain ``Embeddings`` so the same object can be handed to
LangChain components (agents, retrievers) unchanged.
"""
from __future__ import annotations

import abc
from collections.abc import Sequence

import numpy as np
from langchain_core.embeddings import Embeddings as LCEmbeddings


class EmbeddingError(RuntimeError):
    """An embedding provider failed (bad response, timeout, dimension mismatch...)."""


class Embeddings(LCEmbeddings, abc.ABC):
    """Text -> L2-normalised float32 vectors.

    ``model_id`` identifies the vector space (provider + model + dimension); a dataset is
    bound to exactly one ``model_id`` and vectors from different ids are never mixed.
    """

    #: identifier of the vector space, e.g. ``local:all-MiniLM-L6-v2``
    model_id: str = ""
    #: dimension of the vectors
    dimension: int = 0
    #: maximum number of model tokens one input may have (longer inputs are truncated)
    max_input_tokens: int = 512

    @abc.abstractmethod
    def embed_array(self, texts: Sequence[str]) -> np.ndarray:
        """Return a contiguous float32 array of shape (len(texts), dimension), rows L2-normalised."""

    # -- LangChain surface -------------------------------------------------------------
    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.embed_array(texts).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.embed_array([text])[0].tolist()

    # -- helpers -----------------------------------------------------------------------
    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        """Number of model tokens per text (without special tokens).

        Providers without a local tokenizer fall back to a conservative estimate.
        """
        return [_estimate_tokens(t) for t in texts]


def l2_normalize(arr: np.ndarray) -> np.ndarray:
    arr = np.ascontiguousarray(arr, dtype=np.float32)
    norms = np.linalg.norm(arr, axis=1, keepdims=True)
    np.maximum(norms, 1e-12, out=norms)
    arr /= norms
    return arr


def _estimate_tokens(text: str) -> int:
    # CJK characters ~1 token each, other text ~4 characters per token.
    cjk = sum(1 for ch in text if "\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff")
    rest = len(text) - cjk
    return cjk + (rest + 3) // 4

"""One embeddings interface for the whole engine.

Every implementation is also a LangChain ``Embeddings`` so the same object can be handed to
LangChain components (agents, retrievers) unchanged.
"""
from __future__ import annotations

import abc
from collections.abc import Sequence

import numpy as np
from langchain_core.embeddings import Embeddings as LCEmbeddings

from pkg.cooperative import run_off_hub


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
    #: computes in-process (ONNX): under gevent it must run off the hub. A remote provider does
    #: network I/O instead, which must stay on the calling greenlet (see embed_array_cooperative).
    cpu_bound: bool = False

    @abc.abstractmethod
    def embed_array(self, texts: Sequence[str]) -> np.ndarray:
        """Return a contiguous float32 array of shape (len(texts), dimension), rows L2-normalised."""

    def embed_array_cooperative(self, texts: Sequence[str]) -> np.ndarray:
        """`embed_array` for a request under gunicorn's gevent worker: CPU work on gevent's native
        thread pool (pkg.cooperative), I/O on the calling greenlet. Sockets (Redis, HTTP and
        database pools) are gevent-patched and shared by the process: used from a native thread
        they fail with "Cannot switch to a different thread". Without gevent: `embed_array`."""
        if self.cpu_bound:
            return run_off_hub(self.embed_array, texts)
        return self.embed_array(texts)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Vectors of search queries. Symmetric models embed them like documents; asymmetric
        ones (E5: "query: " vs "passage: ") override this."""
        return self.embed_array(texts)

    def embed_queries_cooperative(self, texts: Sequence[str]) -> np.ndarray:
        """`embed_queries` under gevent, as `embed_array_cooperative` (CPU work off the hub)."""
        if type(self).embed_queries is Embeddings.embed_queries:
            return self.embed_array_cooperative(texts)
        if self.cpu_bound:
            return run_off_hub(self.embed_queries, texts)
        return self.embed_queries(texts)

    # -- LangChain surface -------------------------------------------------------------
    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.embed_array(texts).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.embed_queries([text])[0].tolist()

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

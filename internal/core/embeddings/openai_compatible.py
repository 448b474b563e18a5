"""Embeddings from any OpenAI-compatible ``POST /embeddings`` endpoint (OpenAI, vLLM, Ollama,
DashScope compatible mode, ... or the model layer's /v1 gateway) over httpx."""
from __future__ import annotations

import time
from collections.abc import Sequence

import httpx
import numpy as np

from .base import EmbeddingError, Embeddings, l2_normalize


class OpenAICompatibleEmbeddings(Embeddings):
    def __init__(
        self,
        model: str,
        base_url: str,
        api_key: str = "",
        dimension: int | None = None,
        provider: str = "openai",
        batch_size: int = 64,
        timeout: float = 30.0,
        max_retries: int = 2,
        max_input_tokens: int = 8191,
        client: httpx.Client | None = None,
    ):
        self.model = model
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.batch_size = batch_size
        self.max_retries = max_retries
        self.dimension = int(dimension or 0)
        self.max_input_tokens = max_input_tokens
        self.model_id = f"{provider}:{model}"
        self._client = client or httpx.Client(timeout=httpx.Timeout(timeout, connect=min(5.0, timeout)))

    def _post(self, inputs: list[str]) -> list[list[float]]:
        headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
        body = {"model": self.model, "input": inputs, "encoding_format": "float"}
        last: Exception | None = None
        for attempt in range(self.max_retries + 1):
            try:
                resp = self._client.post(f"{self.base_url}/embeddings", json=body, headers=headers)
            except httpx.HTTPError as exc:
                last = exc
            else:
                if resp.status_code == 200:
                    try:
                        data = sorted(resp.json()["data"], key=lambda d: d["index"])
                        vecs = [d["embedding"] for d in data]
                    except (ValueError, KeyError, TypeError) as exc:
                        raise EmbeddingError("embedding provider returned an invalid response") from exc
                    if len(vecs) != len(inputs):
                        raise EmbeddingError("embedding provider returned a wrong number of vectors")
                    return vecs
                if resp.status_code not in (429, 500, 502, 503, 504):
                    raise EmbeddingError(f"embedding provider error: HTTP {resp.status_code}")
                last = EmbeddingError(f"embedding provider error: HTTP {resp.status_code}")
            if attempt < self.max_retries:
                time.sleep(min(2.0, 0.25 * 2**attempt))
        raise EmbeddingError("embedding provider unavailable") from last

    def embed_array(self, texts: Sequence[str]) -> np.ndarray:
        texts = [t if t else " " for t in texts]
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        rows: list[list[float]] = []
        for i in range(0, len(texts), self.batch_size):
            rows.extend(self._post(texts[i : i + self.batch_size]))
        arr = np.asarray(rows, dtype=np.float32)
        if self.dimension and arr.shape[1] != self.dimension:
            raise EmbeddingError(f"expected {self.dimension}-d vectors, got {arr.shape[1]}-d")
        self.dimension = arr.shape[1]
        return l2_normalize(arr)

import hashlib
import re

import numpy as np
import pytest

from internal.core.embeddings.base import Embeddings, l2_normalize


class HashEmbeddings(Embeddings):
    """Deterministic bag-of-words embeddings for tests: texts sharing words are similar."""

    model_id = "test:hash"
    dimension = 64
    max_input_tokens = 512

    def __init__(self):
        self.calls: list[list[str]] = []

    def embed_array(self, texts):
        texts = list(texts)
        self.calls.append(texts)
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for i, t in enumerate(texts):
            for w in re.findall(r"[a-z0-9]+|[\u4e00-\u9fff]", t.lower()) or ["<empty>"]:
                h = int(hashlib.md5(w.encode()).hexdigest(), 16)
                out[i, h % self.dimension] += 1.0
        return l2_normalize(out)


@pytest.fixture
def hash_embeddings():
    return HashEmbeddings()


@pytest.fixture(scope="session")
def minilm():
    from internal.core.embeddings import LocalMiniLMEmbeddings

    return LocalMiniLMEmbeddings()


@pytest.fixture(scope="session")
def multilingual_e5():
    from internal.core.embeddings import LocalMultilingualE5Embeddings

    return LocalMultilingualE5Embeddings(threads=1)

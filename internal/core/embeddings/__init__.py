from .base import EmbeddingError, Embeddings, l2_normalize
from .cache import (
    CachedEmbeddings,
    DatabaseEmbeddingCache,
    EmbeddingCache,
    InMemoryEmbeddingCache,
    RedisEmbeddingCache,
    content_hash,
)
from .local_e5 import LocalMultilingualE5Embeddings
from .local_minilm import LocalMiniLMEmbeddings
from .openai_compatible import OpenAICompatibleEmbeddings

__all__ = [
    "CachedEmbeddings",
    "DatabaseEmbeddingCache",
    "EmbeddingCache",
    "EmbeddingError",
    "Embeddings",
    "InMemoryEmbeddingCache",
    "LocalMiniLMEmbeddings",
    "LocalMultilingualE5Embeddings",
    "OpenAICompatibleEmbeddings",
    "RedisEmbeddingCache",
    "content_hash",
    "l2_normalize",
]

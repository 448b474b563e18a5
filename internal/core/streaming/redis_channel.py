"""The Redis channel (production). Keys, under `settings.key_prefix` (default `llmops:agent:`):

  task:<id>:frames   stream; entry ids `0-<seq>` (Redis numbers them: XADD `0-*`), fields
                     f=<frame bytes>, t=1 on the terminal frame; MAXLEN ~stream_maxlen; TTL
                     stream_ttl_s, refreshed by every frame
  task:<id>:owner    "account:<uuid>" | "end_user:<uuid>"; TTL stream_ttl_s
  task:<id>:stop     "1" once a stop was requested (by any process); TTL stream_ttl_s
  task:<id>:meta     hash the runner stored with its lease (message_id, conversation_id …), if any
  leases             sorted set task id → lease expiry (UNIX seconds); renewed by one keeper
                     thread per process for all its runs; a sweeper claims expired members
  wake:<uuid>        a dispatcher's wake-up stream (see redis_dispatcher)

The channel makes its own byte-mode clients from the application's client settings: one
bounded pool for commands and, per dispatcher, one dedicated connection for blocking reads.
"""
from __future__ import annotations

import logging
import threading
import time
import zlib

import redis

from .channel import ChannelSettings, Entry, ExpiredRun, Lease, StreamChannel, Subscription, TaskOwner
from .redis_dispatcher import StreamDispatcher, parse_entries

log = logging.getLogger(__name__)


def _client_like(client: redis.Redis, *, pool_cls=redis.ConnectionPool, **overrides) -> redis.Redis:
    pool = client.connection_pool
    kwargs = dict(pool.connection_kwargs)
    kwargs.update(decode_responses=False, **overrides)
    return redis.Redis(connection_pool=pool_cls(connection_class=pool.connection_class, **kwargs))


class _LeaseKeeper:
    """One thread renews every lease this process holds, in one command per interval."""

    def __init__(self, client: redis.Redis, key: str, ttl: float) -> None:
        self._client, self._key, self._ttl = client, key, ttl
        self._held: set[str] = set()
        self._lock = threading.Lock()
        self._stopped = threading.Event()
        self._thread: threading.Thread | None = None

    def add(self, task_id: str) -> None:
        with self._lock:
            self._held.add(task_id)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="lease-keeper", daemon=True)
                self._thread.start()

    def discard(self, task_id: str) -> None:
        with self._lock:
            self._held.discard(task_id)

    def _run(self) -> None:
        while not self._stopped.wait(self._ttl / 3):
            with self._lock:
                held = list(self._held)
            if not held:
                continue
            expires = time.time() + self._ttl
            try:  # XX: a lease a sweeper already claimed stays claimed
                self._client.zadd(self._key, dict.fromkeys(held, expires), xx=True)
            except redis.RedisError:
                log.warning("lease renewal failed; retrying next interval", exc_info=True)

    def close(self) -> None:
        self._stopped.set()


class _RedisLease(Lease):
    def __init__(self, channel: RedisStreamChannel, task_id: str, has_meta: bool = True) -> None:
        self._channel, self._task_id, self._has_meta = channel, task_id, has_meta

    def release(self) -> None:
        ch = self._channel
        ch._keeper.discard(self._task_id)
        ch.dispatcher_for(self._task_id).forget_local(ch._key(self._task_id, "frames").encode())
        if not self._has_meta:
            ch._redis.zrem(ch._leases_key, self._task_id)
            return
        pipe = ch._redis.pipeline(transaction=False)
        pipe.zrem(ch._leases_key, self._task_id)
        pipe.delete(ch._key(self._task_id, "meta"))
        pipe.execute()

    def abandon(self) -> None:
        self._channel._keeper.discard(self._task_id)


class RedisStreamChannel(StreamChannel):
    def __init__(self, client: redis.Redis, settings: ChannelSettings | None = None, *,
                 reader_connections: int = 1, block_ms: int = 5000, max_command_connections: int = 64,
                 client_name: str = "llmops-stream") -> None:
        self.settings = settings or ChannelSettings()
        self._redis = _client_like(client, pool_cls=redis.BlockingConnectionPool,
                                   max_connections=max_command_connections, timeout=10)
        self._leases_key = self.settings.key_prefix + "leases"
        read_timeout = block_ms / 1000 + 10
        self._dispatchers = [
            StreamDispatcher(self._redis, _client_like(client, socket_timeout=read_timeout,
                                                       client_name=f"{client_name}-reader"),
                             key_prefix=self.settings.key_prefix, block_ms=block_ms, leases_key=self._leases_key,
                             task_of=self._task_of_key, liveness_interval=min(2.0, self.settings.lease_ttl_s / 3))
            for _ in range(max(1, reader_connections))]
        self._keeper = _LeaseKeeper(self._redis, self._leases_key, self.settings.lease_ttl_s)

    def _key(self, task_id: str, what: str) -> str:
        return f"{self.settings.key_prefix}task:{task_id}:{what}"

    def _task_of_key(self, key: bytes) -> str:
        return key.decode()[len(self.settings.key_prefix) + len("task:"):-len(":frames")]

    def dispatcher_for(self, task_id: str) -> StreamDispatcher:
        key = self._key(task_id, "frames").encode()
        return self._dispatchers[zlib.crc32(key) % len(self._dispatchers)]

    # ------------------------------------------------------------------ frames ----------
    def publish(self, task_id: str, frame: bytes, terminal: bool = False) -> int:
        key = self._key(task_id, "frames")
        pipe = self._redis.pipeline(transaction=False)
        pipe.xadd(key, {b"f": frame, b"t": b"1" if terminal else b"0"}, id="0-*",
                  maxlen=self.settings.stream_maxlen, approximate=True)
        pipe.expire(key, self.settings.stream_ttl_s)
        entry_id, _ = pipe.execute()
        seq = int(entry_id.split(b"-", 1)[1])
        # this process's readers of the task get it at once, without a read
        self.dispatcher_for(task_id).deliver_local(key.encode(), Entry(seq, frame, terminal))
        return seq

    def publish_many(self, task_id: str, frames: list[bytes], terminal: bool = False) -> None:
        if len(frames) < 2:
            if frames:
                self.publish(task_id, frames[0], terminal)
            return
        key = self._key(task_id, "frames")
        pipe = self._redis.pipeline(transaction=False)
        for i, frame in enumerate(frames):
            last = terminal and i == len(frames) - 1
            pipe.xadd(key, {b"f": frame, b"t": b"1" if last else b"0"}, id="0-*",
                      maxlen=self.settings.stream_maxlen, approximate=True)
        pipe.expire(key, self.settings.stream_ttl_s)
        ids = pipe.execute()[:-1]
        dispatcher = self.dispatcher_for(task_id)
        for i, (entry_id, frame) in enumerate(zip(ids, frames, strict=True)):
            seq = int(entry_id.split(b"-", 1)[1])
            dispatcher.deliver_local(key.encode(), Entry(seq, frame, terminal and i == len(frames) - 1))

    def subscribe(self, task_id: str, after: int = 0) -> Subscription:
        key = self._key(task_id, "frames").encode()
        return self.dispatcher_for(task_id).subscribe(key, after)

    def read_range(self, task_id: str, after: int = 0, count: int = 1000) -> list[Entry]:
        """Frames after `after` without subscribing (one round trip)."""
        rows = self._redis.xrange(self._key(task_id, "frames"), min=f"0-{after + 1}", count=count)
        return parse_entries(rows)

    # ------------------------------------------------------------------ owner / stop -----
    def set_owner(self, task_id: str, owner: TaskOwner) -> None:
        self._redis.set(self._key(task_id, "owner"), owner.token(), ex=self.settings.stream_ttl_s)

    def owner_of(self, task_id: str) -> str | None:
        value = self._redis.get(self._key(task_id, "owner"))
        return value.decode() if value is not None else None

    def request_stop(self, task_id: str) -> None:
        self._redis.set(self._key(task_id, "stop"), b"1", ex=self.settings.stream_ttl_s)

    def is_stop_requested(self, task_id: str) -> bool:
        return bool(self._redis.exists(self._key(task_id, "stop")))

    # ------------------------------------------------------------------ leases -----------
    def hold_lease(self, task_id: str, meta: dict[str, str] | None = None) -> Lease:
        if meta is None:  # the lease alone: one command
            self._redis.zadd(self._leases_key, {task_id: time.time() + self.settings.lease_ttl_s})
            self._keeper.add(task_id)
            return _RedisLease(self, task_id, has_meta=False)
        return self._lease(self._redis.pipeline(transaction=False), task_id, meta)

    def produce_here(self, task_id: str) -> None:
        self.dispatcher_for(task_id).produce_here(self._key(task_id, "frames").encode())

    def claim(self, task_id: str, owner: TaskOwner, meta: dict[str, str] | None = None) -> Lease:
        """A new task, run by this process: its frames reach this process's readers directly."""
        self.produce_here(task_id)
        pipe = self._redis.pipeline(transaction=False)
        pipe.set(self._key(task_id, "owner"), owner.token(), ex=self.settings.stream_ttl_s)
        return self._lease(pipe, task_id, meta)

    def _lease(self, pipe, task_id: str, meta: dict[str, str] | None) -> Lease:
        meta_key = self._key(task_id, "meta")
        pipe.hset(meta_key, mapping={"task_id": task_id, **(meta or {})})
        pipe.expire(meta_key, self.settings.stream_ttl_s)
        pipe.zadd(self._leases_key, {task_id: time.time() + self.settings.lease_ttl_s})
        pipe.execute()
        self._keeper.add(task_id)
        return _RedisLease(self, task_id)

    def is_running(self, task_id: str) -> bool:
        score = self._redis.zscore(self._leases_key, task_id)
        return score is not None and score > time.time()

    def claim_expired(self, limit: int = 100) -> list[ExpiredRun]:
        ids = self._redis.zrangebyscore(self._leases_key, "-inf", time.time(), start=0, num=limit)
        if not ids:
            return []
        pipe = self._redis.pipeline(transaction=False)
        for task_id in ids:
            pipe.zrem(self._leases_key, task_id)
        claimed = [t.decode() for t, won in zip(ids, pipe.execute(), strict=True) if won]  # ZREM: one winner
        if not claimed:
            return []
        pipe = self._redis.pipeline(transaction=False)
        for task_id in claimed:
            pipe.hgetall(self._key(task_id, "meta"))
            pipe.delete(self._key(task_id, "meta"))
        rows = pipe.execute()[::2]
        return [ExpiredRun(t, {k.decode(): v.decode() for k, v in row.items()})
                for t, row in zip(claimed, rows, strict=True)]

    def close(self) -> None:
        self._keeper.close()
        for d in self._dispatchers:
            d.close()
        self._redis.close()

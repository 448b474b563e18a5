"""The task stream channel: how a running task's SSE frames, stop flag, owner and liveness are
shared between the process that runs it and the processes that serve its HTTP clients.

One interface, two backends: `RedisStreamChannel` (production: any number of worker
processes) and `InProcessStreamChannel` (the embedded default: one process). Frames of a task
are numbered 1, 2, 3 … (`Entry.seq`); a reader subscribes "after" the last number it has seen,
so a client that re-attaches receives exactly the frames it missed. Frames are opaque bytes
here (built by pkg.sse); the last frame of a task is marked `terminal`.
"""
from __future__ import annotations

import abc
from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True, slots=True)
class Entry:
    seq: int
    frame: bytes
    terminal: bool = False


@dataclass(frozen=True)
class TaskOwner:
    """Who may stop or re-attach to a task. ONE format for writing and checking (the course
    backend wrote `account-…` and checked `end-user-…`, so some stops never matched)."""
    kind: Literal["account", "end_user"]
    id: str

    @classmethod
    def account(cls, account_id: object) -> TaskOwner:
        return cls("account", str(account_id))

    @classmethod
    def end_user(cls, end_user_id: object) -> TaskOwner:
        return cls("end_user", str(end_user_id))

    def token(self) -> str:
        return f"{self.kind}:{self.id}"


@dataclass(frozen=True)
class ExpiredRun:
    """A task whose runner stopped renewing its lease (its process died): claimed by exactly
    one sweeper, with the metadata the runner stored (message id, conversation id …)."""
    task_id: str
    meta: dict[str, str]


@dataclass(frozen=True)
class ChannelSettings:
    key_prefix: str = "llmops:agent:"
    stream_maxlen: int = 5000         # frames kept per task (approximate trim in Redis)
    stream_ttl_s: int = 1800          # a task's frames, owner and stop flag live this long after its last frame
    lease_ttl_s: float = 15.0         # a run not renewed for this long is considered crashed


class Subscription(abc.ABC):
    @abc.abstractmethod
    def next_batch(self, timeout: float) -> list[Entry]:
        """Entries after the last one returned, waiting up to `timeout` s; [] when none came."""

    @abc.abstractmethod
    def close(self) -> None: ...

    def running(self) -> bool | None:
        """Whether the task has a live run, if this subscription knows it without a round
        trip (None: ask the channel)."""
        return None

    def __enter__(self) -> Subscription:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Lease(abc.ABC):
    @abc.abstractmethod
    def release(self) -> None:
        """The run ended normally: forget it."""

    @abc.abstractmethod
    def abandon(self) -> None:
        """Stop renewing without releasing — what a crash does (for tests and for shutdown
        paths that must leave the run to the sweeper)."""


class StreamChannel(abc.ABC):
    settings: ChannelSettings

    # frames
    @abc.abstractmethod
    def publish(self, task_id: str, frame: bytes, terminal: bool = False) -> int:
        """Append one frame; answers its sequence number."""

    def publish_many(self, task_id: str, frames: list[bytes], terminal: bool = False) -> None:
        """Append frames in order (backends send them in one round trip); `terminal`: the last is."""
        for i, frame in enumerate(frames):
            self.publish(task_id, frame, terminal=terminal and i == len(frames) - 1)

    @abc.abstractmethod
    def subscribe(self, task_id: str, after: int = 0) -> Subscription: ...

    # who owns a task
    @abc.abstractmethod
    def set_owner(self, task_id: str, owner: TaskOwner) -> None: ...

    @abc.abstractmethod
    def owner_of(self, task_id: str) -> str | None: ...

    def is_owner(self, task_id: str, owner: TaskOwner) -> bool:
        return self.owner_of(task_id) == owner.token()

    # stop, from any process
    @abc.abstractmethod
    def request_stop(self, task_id: str) -> None: ...

    @abc.abstractmethod
    def is_stop_requested(self, task_id: str) -> bool: ...

    # liveness
    @abc.abstractmethod
    def hold_lease(self, task_id: str, meta: dict[str, str] | None = None) -> Lease:
        """`meta` (what a sweeper needs besides the id) is stored only when given."""

    def produce_here(self, task_id: str) -> None:  # noqa: B027 (optional: one process has nothing to route)
        """A NEW task this process will run (no frames yet): readers of it subscribed here from
        now on get its frames straight from `publish`, without reading them back (`claim` does
        this too)."""

    def claim(self, task_id: str, owner: TaskOwner, meta: dict[str, str] | None = None) -> Lease:
        """`set_owner` and `hold_lease` at once (backends may do both in one round trip)."""
        self.set_owner(task_id, owner)
        return self.hold_lease(task_id, meta)

    @abc.abstractmethod
    def is_running(self, task_id: str) -> bool: ...

    @abc.abstractmethod
    def claim_expired(self, limit: int = 100) -> list[ExpiredRun]:
        """Runs whose lease expired; each is answered to exactly one caller, once."""

    def close(self) -> None:  # noqa: B027 (optional: backends without threads have nothing to close)
        """Stop background threads and connections (idempotent)."""

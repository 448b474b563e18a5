"""Cancellation and time limits of one agent turn.

`RunControl.check()` is called between streamed chunks, between steps and between tool calls:
it raises `AgentStopped` once the cancel token is set (locally, or by a stop flag another
process wrote: the remote check is polled at most every `poll_interval` seconds so a chunk
costs no round trip) and `AgentTimedOut` once the turn's deadline has passed. Raising out of
the model's stream closes the stream, which closes the upstream connection: a stopped turn
spends no more tokens.
"""
from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field


class AgentStopped(Exception):
    """The turn was stopped by the user."""


class AgentTimedOut(Exception):
    """The turn ran past its deadline."""


class CancelToken:
    def __init__(self, remote: Callable[[], bool] | None = None, poll_interval: float = 0.25) -> None:
        self._event = threading.Event()
        self._remote = remote
        self._poll_interval = poll_interval
        self._next_poll = 0.0

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        if self._event.is_set():
            return True
        if self._remote is not None:
            now = time.monotonic()
            if now >= self._next_poll:
                self._next_poll = now + self._poll_interval
                try:
                    if self._remote():
                        self._event.set()
                except Exception:  # an unreachable flag store must not end the turn
                    return False
        return self._event.is_set()


@dataclass
class RunControl:
    cancel: CancelToken = field(default_factory=CancelToken)
    deadline: float = float("inf")  # time.monotonic() value
    parent: RunControl | None = None  # a child also obeys its parent's (possibly moved) deadline

    @classmethod
    def with_timeout(cls, seconds: float, cancel: CancelToken | None = None) -> RunControl:
        return cls(cancel=cancel or CancelToken(), deadline=time.monotonic() + seconds)

    def remaining(self) -> float:
        own = self.deadline - time.monotonic()
        return min(own, self.parent.remaining()) if self.parent is not None else own

    def check(self) -> None:
        if self.cancel.cancelled:
            raise AgentStopped()
        if self.remaining() <= 0:
            raise AgentTimedOut()

    def child(self, seconds: float) -> RunControl:
        """Same cancel token, a deadline no later than ours (a delegated agent, a tool)."""
        return RunControl(cancel=self.cancel, deadline=time.monotonic() + seconds, parent=self)

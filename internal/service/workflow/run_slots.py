"""How many runs one account may have going at once in this process (debug and API runs; a
workflow called as a tool runs inside its caller's slot). Each run holds a thread (and maybe a
sandbox) for up to the run time limit, so one account cannot take a process's threads and code
sandboxes from everyone else. In memory, per process: no I/O on the run path."""
from __future__ import annotations

import threading
from collections import defaultdict

from internal.exception import TooManyRequestsException

MAX_RUNS_PER_ACCOUNT = 16


class RunSlot:
    def __init__(self, slots: RunSlots, account_id: str):
        self._slots, self._account_id, self._held = slots, account_id, True

    def release(self) -> None:
        if self._held:
            self._held = False
            self._slots._release(self._account_id)


class RunSlots:
    def __init__(self, limit: int = MAX_RUNS_PER_ACCOUNT):
        self.limit = limit
        self._lock = threading.Lock()
        self._running: dict[str, int] = defaultdict(int)

    def acquire(self, account_id: object) -> RunSlot:
        key = str(account_id)
        with self._lock:
            if self._running[key] >= self.limit:
                raise TooManyRequestsException(f"at most {self.limit} workflow runs at once; wait for one to end",
                                               retry_after=5)
            self._running[key] += 1
        return RunSlot(self, key)

    def _release(self, key: str) -> None:
        with self._lock:
            self._running[key] -= 1
            if self._running[key] <= 0:
                del self._running[key]

"""A warm pool of one-shot sandbox processes.

Starting bubblewrap + an interpreter costs ~35 ms; a pre-started process already waits on its
stdin, so a run only pays for the exchange. Every process serves one run and exits, so nothing a
run leaves behind (files in /tmp, threads, monkey-patched modules) reaches the next one. A
replacement is started as soon as one is taken; starting is a vfork+exec (the sandbox sets
itself up in the child), so the caller does not wait for it.
"""
from __future__ import annotations

import os
import threading
import time
import weakref
from collections import deque

from pkg.sandbox.bwrap_command import PythonRuntime
from pkg.sandbox.process import SandboxProcess

_POOLS: weakref.WeakSet[WarmPool] = weakref.WeakSet()


def _forget_pools_in_child() -> None:
    for pool in list(_POOLS):
        pool._after_fork()


os.register_at_fork(after_in_child=_forget_pools_in_child)


class WarmPool:
    def __init__(self, bwrap: str, runtime: PythonRuntime, *, size: int, tmpfs_bytes: int):
        self.bwrap, self.runtime, self.size, self.tmpfs_bytes = bwrap, runtime, max(size, 0), tmpfs_bytes
        self._idle: deque[SandboxProcess] = deque()
        self._retired: list[SandboxProcess] = []  # used, exiting; reaped on the next take/retire
        self._lock = threading.Lock()
        self._closed = False
        _POOLS.add(self)

    def _spawn(self) -> SandboxProcess:
        return SandboxProcess(self.bwrap, self.runtime, self.tmpfs_bytes)

    def fill(self) -> None:
        with self._lock:
            while not self._closed and len(self._idle) < self.size:
                self._idle.append(self._spawn())

    def take(self, tmpfs_bytes: int) -> SandboxProcess:
        """A ready process (a fresh one if the pool is empty or the size of /tmp differs)."""
        if tmpfs_bytes != self.tmpfs_bytes:
            return SandboxProcess(self.bwrap, self.runtime, tmpfs_bytes)
        process = None
        with self._lock:
            self._reap()
            while self._idle:
                candidate = self._idle.popleft()
                if candidate.alive:
                    process = candidate
                    break
                candidate.kill()  # died while waiting (it is reaped; a run gets a fresh one)
            if not self._closed and self.size:
                self._idle.append(self._spawn())
        return process or self._spawn()

    def retire(self, process: SandboxProcess) -> None:
        with self._lock:
            self._retired.append(process)
            self._reap()

    def _reap(self) -> None:
        now = time.monotonic()
        self._retired = [process for process in self._retired if not process.reap(now)]

    def close(self) -> None:
        with self._lock:
            self._closed = True
            stale, self._idle, self._retired = [*self._idle, *self._retired], deque(), []
        for process in stale:
            process.kill()

    def _after_fork(self) -> None:
        # The processes belong to the parent; a forked worker (Celery prefork) starts its own.
        for process in [*self._idle, *self._retired]:
            process.forget()
        self._idle, self._retired = deque(), []
        self._lock = threading.Lock()

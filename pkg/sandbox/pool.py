"""A warm pool of one-shot sandbox processes.

Starting bubblewrap + an interpreter costs ~35 ms of CPU; a pre-started process already waits on
its stdin, so a run only pays for the exchange (~2-8 ms). Every process serves one run and
exits, so nothing a run leaves behind (files in /tmp, threads, patched modules) reaches the next.

Warm processes are started by one long-lived spawner thread of the pool: bubblewrap's
--die-with-parent is tied to the *thread* that started it, so a process started by a short-lived
request thread would be killed when that thread ends, possibly in the middle of another run.
A process started on demand (pool empty) by the calling thread serves that caller only.
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


def _reset_pools_in_child() -> None:
    for pool in list(_POOLS):
        pool._after_fork()


os.register_at_fork(after_in_child=_reset_pools_in_child)


class WarmPool:
    def __init__(self, bwrap: str, runtime: PythonRuntime, *, size: int, tmpfs_bytes: int):
        self.bwrap, self.runtime, self.size, self.tmpfs_bytes = bwrap, runtime, max(size, 0), tmpfs_bytes
        self._idle: deque[SandboxProcess] = deque()
        self._retired: list[SandboxProcess] = []  # used, exiting; reaped on the next take/retire
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._spawner: threading.Thread | None = None
        self._closed = False
        _POOLS.add(self)

    def _spawn(self, tmpfs_bytes: int | None = None) -> SandboxProcess:
        return SandboxProcess(self.bwrap, self.runtime, tmpfs_bytes or self.tmpfs_bytes)

    # --- the spawner thread ---------------------------------------------------------------
    def fill(self) -> None:
        """Start (if needed) the spawner thread and let it top the pool up."""
        with self._lock:
            if self._closed or not self.size:
                return
            if self._spawner is None or not self._spawner.is_alive():
                self._spawner = threading.Thread(target=self._spawn_forever, name="sandbox-pool", daemon=True)
                self._spawner.start()
            self._wake.notify()

    def _spawn_forever(self) -> None:
        while True:
            with self._lock:
                while not self._closed and len(self._idle) >= self.size:
                    self._wake.wait()
                if self._closed:
                    return
            try:
                process = self._spawn()
            except OSError:
                return  # cannot start processes now (fds, memory); runs start their own and retry fill()
            with self._lock:
                if self._closed:
                    process.kill()
                    return
                self._idle.append(process)

    # --- runs -----------------------------------------------------------------------------
    def take(self, tmpfs_bytes: int) -> SandboxProcess:
        """A ready process (a fresh one if the pool is empty or the size of /tmp differs)."""
        process = None
        if tmpfs_bytes == self.tmpfs_bytes:
            with self._lock:
                self._reap()
                while self._idle:
                    candidate = self._idle.popleft()
                    if candidate.alive:
                        process = candidate
                        break
                    candidate.kill()  # died while waiting; reaped, a run gets a fresh one
        self.fill()
        return process or self._spawn(tmpfs_bytes)

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
            self._wake.notify_all()
        for process in stale:
            process.kill()

    def _after_fork(self) -> None:
        # The processes and the spawner belong to the parent; a forked worker (Celery prefork)
        # drops its copies of their pipes and starts its own on its first run.
        for process in [*self._idle, *self._retired]:
            process.forget()
        self._idle, self._retired = deque(), []
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._spawner = None

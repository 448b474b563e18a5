"""One sandbox process: started ahead of time, used for exactly one run, then gone.

The exchange is a small selector loop so that every byte is bounded: the request is written
without blocking, the reply (one JSON line) and stderr are read up to their caps, and at the
wall-clock deadline bubblewrap is SIGKILLed; with --die-with-parent and its own PID namespace
that takes every process of the sandbox with it. The caller does not wait for the sandbox to be
torn down once its reply line is complete (the pool reaps it).
"""
from __future__ import annotations

import os
import selectors
import signal
import subprocess
import time
from dataclasses import dataclass

from pkg.sandbox.bwrap_command import PythonRuntime, bwrap_argv
from pkg.sandbox.seccomp_policy import seccomp_fd

STDERR_CAP = 8192
EXIT_GRACE_SECONDS = 0.5  # after a complete reply the runner exits at once; this is only a bound
_RUNNER_SOURCE: str | None = None


def runner_source() -> str:
    global _RUNNER_SOURCE
    if _RUNNER_SOURCE is None:
        with open(os.path.join(os.path.dirname(__file__), "jail_runner.py"), encoding="utf-8") as f:
            _RUNNER_SOURCE = f.read()
    return _RUNNER_SOURCE


@dataclass
class Exchange:
    reply: bytes  # the reply line without its newline; empty if none came
    stderr: bytes
    returncode: int | None  # None: still exiting after a complete reply
    timed_out: bool
    overflowed: bool
    seconds: float


class SandboxProcess:
    def __init__(self, bwrap: str, runtime: PythonRuntime, tmpfs_bytes: int):
        self.tmpfs_bytes = tmpfs_bytes
        fd = seccomp_fd()
        try:
            argv = bwrap_argv(bwrap, runtime, seccomp_fd=fd, tmpfs_bytes=tmpfs_bytes, runner_source=runner_source())
            self.proc = subprocess.Popen(
                argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                env={}, cwd="/", pass_fds=(fd,), close_fds=True, start_new_session=True,
            )
        finally:
            os.close(fd)
        self.finished_at: float | None = None

    @property
    def alive(self) -> bool:
        return self.proc.poll() is None

    def kill(self) -> None:
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            self.proc.wait()
        self._close_pipes()

    def reap(self, now: float) -> bool:
        """True once the process is gone; one that outlives its grace after the reply is killed."""
        if self.proc.poll() is None:
            if self.finished_at is None or now - self.finished_at < EXIT_GRACE_SECONDS:
                return False
            self.kill()
        self._close_pipes()
        return True

    def forget(self) -> None:
        """In a forked child: drop the inherited pipe ends without touching the parent's process."""
        for stream in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            try:
                os.close(stream.fileno())
            except (OSError, ValueError):
                pass

    def _close_pipes(self) -> None:
        for stream in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            try:
                stream.close()
            except OSError:
                pass

    def exchange(self, request: bytes, *, wall_seconds: float, reply_cap: int) -> Exchange:
        started = time.monotonic()
        deadline = started + wall_seconds
        pending = memoryview(b"%d\n" % len(request) + request)
        reply, stderr = bytearray(), bytearray()
        timed_out = overflowed = complete = False
        stdin, stdout, err = self.proc.stdin, self.proc.stdout, self.proc.stderr
        for stream in (stdin, stdout, err):
            os.set_blocking(stream.fileno(), False)
        with selectors.DefaultSelector() as selector:
            selector.register(stdin, selectors.EVENT_WRITE)
            selector.register(stdout, selectors.EVENT_READ)
            selector.register(err, selectors.EVENT_READ)
            open_reads = 2
            while open_reads and not complete:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    timed_out = True
                    break
                for key, _ in selector.select(remaining):
                    if key.fileobj is stdin:
                        try:
                            pending = pending[os.write(stdin.fileno(), pending):]
                        except BrokenPipeError:
                            pending = pending[:0]
                        if not pending:
                            selector.unregister(stdin)
                            stdin.close()
                        continue
                    chunk = os.read(key.fileobj.fileno(), 65536)
                    if not chunk:
                        selector.unregister(key.fileobj)
                        open_reads -= 1
                        continue
                    if key.fileobj is err:
                        stderr += chunk[: STDERR_CAP - len(stderr)]
                        continue
                    reply += chunk
                    if b"\n" in chunk:
                        complete = True
                        del reply[reply.index(b"\n"):]
                    if len(reply) > reply_cap:
                        overflowed, complete = True, False
                        break
        seconds = time.monotonic() - started
        if complete:
            self.finished_at = time.monotonic()
            return Exchange(bytes(reply), bytes(stderr), self.proc.poll(), False, False, seconds)
        if timed_out or overflowed:
            self.kill()
        else:  # both pipes closed without a reply line: the process is ending or has ended
            try:
                self.proc.wait(timeout=max(deadline - time.monotonic(), EXIT_GRACE_SECONDS))
            except subprocess.TimeoutExpired:
                timed_out = True
            self.kill()
        return Exchange(bytes(reply), bytes(stderr), self.proc.returncode, timed_out, overflowed, seconds)

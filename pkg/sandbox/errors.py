"""What a sandboxed run can end with, besides a result. Messages are written for the person who
wrote the code (they reach the workflow's debug pane); none carries host paths or secrets."""
from __future__ import annotations


class SandboxError(Exception):
    """Base of every sandbox failure; `kind` is a stable machine-readable name."""

    kind = "sandbox_error"

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class SandboxUnavailable(SandboxError):
    """No acceptable isolation here (disabled, bwrap/seccomp missing, self-test failed):
    code is refused, never run unsandboxed."""

    kind = "sandbox_unavailable"


class SandboxInputError(SandboxError):
    """The code or its inputs cannot be sent: not JSON, too large, not a dict."""

    kind = "invalid_input"


class SandboxTimeout(SandboxError):
    """Wall-clock or CPU-time limit reached; the whole sandbox was killed."""

    kind = "timeout"


class SandboxMemoryError(SandboxError):
    """The code went over its memory limit."""

    kind = "memory_limit"


class SandboxOutputTooLarge(SandboxError):
    """The result (or what the process wrote) went over the output size cap."""

    kind = "output_too_large"


class SandboxInvalidOutput(SandboxError):
    """main() returned something that is not a JSON object."""

    kind = "invalid_output"


class SandboxCrashed(SandboxError):
    """The sandboxed process ended abnormally (a signal, e.g. a segfault from ctypes)."""

    kind = "crashed"


class SandboxUserError(SandboxError):
    """The user's code raised (or did not compile, or has no callable main). `error_type` is
    the exception's class name, `traceback` the traceback trimmed to the user's own lines."""

    kind = "code_error"

    def __init__(self, message: str, *, error_type: str = "", traceback: str = ""):
        super().__init__(message)
        self.error_type = error_type
        self.traceback = traceback

"""Per-run resource limits of a sandboxed code run."""
from __future__ import annotations

from dataclasses import asdict, dataclass

MB = 1024 * 1024


@dataclass(frozen=True)
class SandboxLimits:
    wall_seconds: float = 10.0  # the whole sandbox is killed after this, whatever it does
    cpu_seconds: int = 5  # RLIMIT_CPU: the process is SIGKILLed after this much CPU time
    memory_bytes: int = 256 * MB  # RLIMIT_AS of the interpreter (threads' stacks count too)
    file_size_bytes: int = 8 * MB  # RLIMIT_FSIZE: the largest file the code may write
    tmpfs_bytes: int = 16 * MB  # size of the sandbox's private /tmp (all files together)
    max_tasks: int = 16  # RLIMIT_NPROC (threads); new processes are refused by seccomp anyway
    max_open_files: int = 64  # RLIMIT_NOFILE
    max_input_bytes: int = 1 * MB  # code + inputs as JSON
    max_output_bytes: int = 1 * MB  # main()'s result as JSON
    max_stdout_bytes: int = 64 * 1024  # what print() wrote; the rest is dropped, marked truncated

    def __post_init__(self):
        for name, value in asdict(self).items():
            if not value or value <= 0:
                raise ValueError(f"sandbox limit {name} must be positive, got {value!r}")

    def for_runner(self) -> dict:
        """The limits the in-sandbox runner applies to itself before running user code."""
        return {
            "cpu_seconds": int(self.cpu_seconds),
            "memory_bytes": int(self.memory_bytes),
            "file_size_bytes": int(self.file_size_bytes),
            "max_tasks": int(self.max_tasks),
            "max_open_files": int(self.max_open_files),
            "max_output_bytes": int(self.max_output_bytes),
            "max_stdout_bytes": int(self.max_stdout_bytes),
        }

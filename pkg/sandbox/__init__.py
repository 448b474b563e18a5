"""Sandboxed execution of users' Python code (the workflow code node); see docs/code-sandbox.md.

Generic: imports nothing from the platform. The one entry point is CodeSandbox.
"""
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
from pkg.sandbox.sandbox import CodeSandbox, SandboxRun, SandboxSettings

__all__ = [
    "CodeSandbox",
    "SandboxCrashed",
    "SandboxError",
    "SandboxInputError",
    "SandboxInvalidOutput",
    "SandboxLimits",
    "SandboxMemoryError",
    "SandboxOutputTooLarge",
    "SandboxRun",
    "SandboxSettings",
    "SandboxTimeout",
    "SandboxUnavailable",
    "SandboxUserError",
]

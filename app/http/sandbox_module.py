"""Injector binding of the workflow code node's sandbox (docs/code-sandbox.md).

One CodeSandbox per process; it proves its isolation (self-test) and warms its pool on the first
run, so processes that never run a code node (most web workers) never start a sandbox.
"""
from __future__ import annotations

from injector import Module, provider, singleton

from config import Config
from pkg.sandbox import CodeSandbox, SandboxLimits, SandboxSettings
from pkg.sandbox.limits import MB


def sandbox_settings(conf: Config) -> SandboxSettings:
    limits = SandboxLimits(
        wall_seconds=conf.CODE_SANDBOX_TIMEOUT_SECONDS,
        cpu_seconds=conf.CODE_SANDBOX_CPU_SECONDS,
        memory_bytes=conf.CODE_SANDBOX_MEMORY_MB * MB,
        max_input_bytes=conf.CODE_SANDBOX_MAX_IO_BYTES,
        max_output_bytes=conf.CODE_SANDBOX_MAX_IO_BYTES,
    )
    return SandboxSettings(mode=conf.CODE_SANDBOX, pool_size=conf.CODE_SANDBOX_POOL_SIZE, limits=limits)


class SandboxModule(Module):
    def __init__(self, conf: Config):
        self.conf = conf

    @singleton
    @provider
    def code_sandbox(self) -> CodeSandbox:
        return CodeSandbox(sandbox_settings(self.conf))

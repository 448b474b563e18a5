"""A real bubblewrap sandbox per test session (the code node's one isolation boundary)."""
from __future__ import annotations

import time

import pytest

from pkg.sandbox import CodeSandbox, SandboxLimits, SandboxSettings

# Small limits so that every bomb in the corpus ends fast.
TIGHT = SandboxLimits(wall_seconds=3, cpu_seconds=1, memory_bytes=128 * 1024 * 1024, file_size_bytes=4 * 1024 * 1024)


@pytest.fixture(scope="session")
def sandbox():
    box = CodeSandbox(SandboxSettings(mode="bwrap", pool_size=2))
    box.self_test()  # the machine must offer the isolation: fail loudly, never skip
    yield box
    box.close()


class Clock:
    def __enter__(self):
        self.started = time.monotonic()
        return self

    def __exit__(self, *exc):
        self.seconds = time.monotonic() - self.started


@pytest.fixture
def clock():
    return Clock()

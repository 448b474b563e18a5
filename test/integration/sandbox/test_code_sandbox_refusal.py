"""No acceptable sandbox → code runs are refused with a clear reason, never run unsandboxed."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from pkg.sandbox import CodeSandbox, SandboxSettings, SandboxUnavailable

# A "bwrap" that ignores every isolation option and simply runs the interpreter: what a broken
# or substituted binary would do. The self-test must see through it.
FAKE_BWRAP = f"""#!{sys.executable}
import os, sys
args = sys.argv[1:]
command = args[args.index("--seccomp") + 2:]
os.execv(command[0], command)
"""


def refused(settings: SandboxSettings, tmp_path: Path) -> str:
    box = CodeSandbox(settings)
    marker = tmp_path / "code-ran"
    try:
        assert not box.available
        with pytest.raises(SandboxUnavailable) as caught:
            box.self_test()
        with pytest.raises(SandboxUnavailable):
            box.run(f"def main(p):\n    open({str(marker)!r}, 'w').write('x')\n    return {{}}\n", {})
    finally:
        box.close()
    assert not marker.exists()
    return caught.value.message


def test_disabled_refuses(tmp_path):
    assert "CODE_SANDBOX is disabled" in refused(SandboxSettings(mode="disabled"), tmp_path)


def test_missing_bubblewrap_refuses(tmp_path):
    message = refused(SandboxSettings(bwrap_path=str(tmp_path / "no-such-bwrap")), tmp_path)
    assert "bubblewrap (bwrap) is not installed" in message


def test_a_bubblewrap_that_cannot_start_refuses(tmp_path):
    message = refused(SandboxSettings(bwrap_path="/bin/false", pool_size=0), tmp_path)
    assert message.startswith("code execution is unavailable: the sandbox self-test failed")


def test_a_bubblewrap_that_does_not_isolate_is_caught_by_the_self_test(tmp_path):
    fake = tmp_path / "bwrap"
    fake.write_text(FAKE_BWRAP)
    fake.chmod(0o755)
    message = refused(SandboxSettings(bwrap_path=str(fake), pool_size=1), tmp_path)
    assert "the sandbox self-test failed" in message
    assert "host paths are visible" in message and "fork is allowed" in message and "inet_socket is allowed" in message


def test_a_closed_sandbox_refuses_instead_of_starting_processes_again():
    box = CodeSandbox(SandboxSettings(pool_size=1))
    assert box.run("def main(p):\n    return {'up': True}\n", {}) == {"up": True}
    box.close()
    with pytest.raises(SandboxUnavailable, match="the sandbox is closed"):
        box.run("def main(p):\n    return {}\n", {})

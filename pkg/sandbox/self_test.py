"""The start-up proof that the sandbox isolates: one probe run that looks for every way out we
guard against. Any failed check means code runs are refused."""
from __future__ import annotations

import os
import socket
import tempfile
from typing import TYPE_CHECKING

from pkg.sandbox.bwrap_command import SANDBOX_HOSTNAME
from pkg.sandbox.limits import MB, SandboxLimits

if TYPE_CHECKING:
    from pkg.sandbox.sandbox import CodeSandbox

PROBE_LIMITS = SandboxLimits(wall_seconds=10, cpu_seconds=5, memory_bytes=200 * MB)
ALLOWED_ENV = {"PWD", "LC_CTYPE"}  # set by bubblewrap (--chdir) and CPython's UTF-8 mode; never ours

PROBE = r'''
import os, resource, socket

def attempt(fn):
    try:
        fn()
        return "allowed"
    except OSError:
        return "refused"

def fork():
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    os.waitpid(pid, 0)

def main(params):
    return {
        "env": sorted(os.environ),
        "hidden": {path: os.path.exists(path) for path in params["hidden"]},
        "inet_socket": attempt(lambda: socket.socket(socket.AF_INET, socket.SOCK_STREAM)),
        "inet6_socket": attempt(lambda: socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)),
        "fork": attempt(fork),
        "write_root": attempt(lambda: open("/escape-probe", "w")),
        "hostname": os.uname().nodename,
        "pid": os.getpid(),
        "memory_limit": resource.getrlimit(resource.RLIMIT_AS)[0],
        "netlink_socket": attempt(lambda: socket.socket(socket.AF_NETLINK, socket.SOCK_RAW)),
    }
'''


def failed_checks(sandbox: CodeSandbox) -> list[str]:
    with tempfile.TemporaryDirectory(prefix="llmops-sandbox-probe-") as host_dir:
        canary = os.path.join(host_dir, ".env")
        with open(canary, "w") as f:
            f.write("SECRET=probe\n")
        here = os.path.dirname(os.path.abspath(__file__))
        hidden = [canary, host_dir, here, os.getcwd(), "/etc/passwd", "/proc/1/environ", "/proc/self", "/home", "/root/.ssh"]
        hidden = [path for path in hidden if os.path.exists(path)]
        result = sandbox._probe(PROBE, {"hidden": hidden}, PROBE_LIMITS).output
    failures = []
    extra_env = set(result["env"]) - ALLOWED_ENV
    if extra_env:
        failures.append(f"environment variables leak into the sandbox: {sorted(extra_env)}")
    seen = [path for path, exists in result["hidden"].items() if exists]
    if seen:  # counted, not listed: the reasons can reach users, host paths must not
        failures.append(f"host paths are visible ({len(seen)} of {len(result['hidden'])} probed)")
    for check in ("inet_socket", "inet6_socket", "netlink_socket", "fork", "write_root"):
        if result[check] != "refused":
            failures.append(f"{check} is allowed")
    if result["hostname"] != SANDBOX_HOSTNAME or result["hostname"] == socket.gethostname():
        failures.append("no separate UTS namespace")
    if result["pid"] > 8:
        failures.append("no separate PID namespace")
    if result["memory_limit"] != PROBE_LIMITS.memory_bytes:
        failures.append("the memory limit was not applied")
    return failures

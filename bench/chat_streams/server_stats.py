"""What bench.chat_streams reads of the server and the kernel from /proc (Linux)."""
from __future__ import annotations

import os
import resource
import subprocess
from pathlib import Path


def rss_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def worker_pid(master: int) -> int:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return int(children[0]) if children else master


def open_fds(pid: int) -> int:
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return 0


def fd_limit(pid: int) -> str:
    for line in Path(f"/proc/{pid}/limits").read_text().splitlines():
        if line.startswith("Max open files"):
            return "/".join(line.split()[3:5])  # soft/hard
    return "?"


def raise_fd_limit(want: int) -> tuple[int, int]:
    """Soft and hard limit of open files raised to `want` where allowed (root may raise the hard
    limit up to fs.nr_open); the server, the upstream and their children inherit it."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, want), max(hard, want)))
    except (ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, want)), hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)


def somaxconn() -> int:
    return int(Path("/proc/sys/net/core/somaxconn").read_text())


def listen_queue(port: int) -> tuple[int, int]:
    """(connections waiting to be accepted, the socket's effective backlog) of the listener on
    `port`, as `ss` reads them from the kernel (the backlog is capped by net.core.somaxconn)."""
    out = subprocess.run(["ss", "-ltnH", f"sport = :{port}"], capture_output=True, text=True).stdout.split()
    return (int(out[1]), int(out[2])) if len(out) >= 3 else (0, 0)


def listen_overflows() -> int:
    """The kernel's count of connections dropped because an accept queue was full (machine-wide)."""
    lines = Path("/proc/net/netstat").read_text().splitlines()
    for names, values in zip(lines[::2], lines[1::2], strict=False):
        if names.startswith("TcpExt:"):
            row = dict(zip(names.split()[1:], values.split()[1:], strict=True))
            return int(row.get("ListenOverflows", 0))
    return 0


def connections_to(port: int) -> int:
    """Established TCP connections to `port` on this machine (the worker's calls to the model)."""
    out = subprocess.run(["ss", "-tnH", "state", "established", f"dport = :{port}"], capture_output=True,
                         text=True).stdout
    return len(out.splitlines())

"""The seccomp filter bubblewrap installs before it starts the interpreter (`--seccomp FD`).

A denylist on top of the namespaces, not an allowlist: allowlists break whenever glibc or
CPython start using a new syscall (Dify's sandbox had "operation not permitted" on `import json`
for that reason). What is denied is what an escape or an attack on the host kernel needs:
sockets other than AF_UNIX, new processes (fork/vfork/clone without CLONE_THREAD, clone3),
namespace and mount syscalls, ptrace and cross-process memory, keyrings, BPF, perf, io_uring,
userfaultfd, kernel modules, clocks, reboot. Syscalls of another ABI (i386 via int 0x80, x32)
hit libseccomp's bad-architecture action, which kills the process.
"""
from __future__ import annotations

import errno
import os
import socket
import tempfile
from functools import lru_cache

CLONE_THREAD = 0x00010000
CLONE_NAMESPACE_FLAGS = (
    0x00000080,  # CLONE_NEWTIME
    0x00020000,  # CLONE_NEWNS
    0x02000000,  # CLONE_NEWCGROUP
    0x04000000,  # CLONE_NEWUTS
    0x08000000,  # CLONE_NEWIPC
    0x10000000,  # CLONE_NEWUSER
    0x20000000,  # CLONE_NEWPID
    0x40000000,  # CLONE_NEWNET
)
TIOCSTI = 0x5412

DENIED_SYSCALLS = (
    # processes: the sandbox runs one process (threads are fine)
    "fork", "vfork", "execveat",
    # other processes' memory and tracing
    "ptrace", "process_vm_readv", "process_vm_writev", "kcmp", "pidfd_getfd",
    # namespaces and mounts
    "unshare", "setns", "mount", "umount2", "pivot_root", "chroot", "open_tree", "move_mount",
    "fsopen", "fsconfig", "fsmount", "fspick", "mount_setattr",
    "open_by_handle_at", "name_to_handle_at",
    # kernel attack surface nobody's Python snippet needs
    "keyctl", "add_key", "request_key", "bpf", "perf_event_open", "userfaultfd",
    "io_uring_setup", "io_uring_enter", "io_uring_register",
    "kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module",
    "reboot", "swapon", "swapoff", "syslog", "acct", "quotactl", "lookup_dcookie",
    "settimeofday", "clock_settime", "clock_adjtime", "adjtimex",
    "sethostname", "setdomainname", "iopl", "ioperm", "personality", "uselib", "vhangup",
    "fanotify_init", "mbind", "set_mempolicy", "migrate_pages", "move_pages",
)


class SeccompUnavailable(RuntimeError):
    pass


@lru_cache(maxsize=1)
def seccomp_bpf() -> bytes:
    """The compiled BPF program (raw `struct sock_filter` array) bubblewrap reads."""
    try:
        import pyseccomp as sc
    except (ImportError, RuntimeError, OSError) as exc:  # pyseccomp raises RuntimeError without libseccomp
        raise SeccompUnavailable(f"libseccomp is not usable ({exc}); install the libseccomp2 package") from exc

    deny = sc.ERRNO(errno.EPERM)
    rules = sc.SyscallFilter(sc.ALLOW)
    for name in DENIED_SYSCALLS:
        try:
            rules.add_rule(deny, name)
        except (OSError, ValueError, RuntimeError):
            continue  # not a syscall of this architecture
    # glibc falls back to clone() when clone3 says ENOSYS; clone3's flags live in a struct
    # seccomp cannot read, so it is refused as a whole.
    rules.add_rule(sc.ERRNO(errno.ENOSYS), "clone3")
    rules.add_rule(deny, "clone", sc.Arg(0, sc.MASKED_EQ, CLONE_THREAD, 0))
    for flag in CLONE_NAMESPACE_FLAGS:
        rules.add_rule(deny, "clone", sc.Arg(0, sc.MASKED_EQ, flag, flag))
    rules.add_rule(sc.ERRNO(errno.EAFNOSUPPORT), "socket", sc.Arg(0, sc.NE, socket.AF_UNIX))
    rules.add_rule(sc.ERRNO(errno.EAFNOSUPPORT), "socketpair", sc.Arg(0, sc.NE, socket.AF_UNIX))
    rules.add_rule(deny, "ioctl", sc.Arg(1, sc.MASKED_EQ, 0xFFFFFFFF, TIOCSTI))
    with tempfile.TemporaryFile() as out:
        rules.export_bpf(out)
        out.seek(0)
        return out.read()


def seccomp_fd() -> int:
    """A fresh readable fd holding the BPF program, for one bwrap start (bwrap reads it to EOF)."""
    fd = os.memfd_create("llmops-sandbox-seccomp", os.MFD_CLOEXEC)
    try:
        os.write(fd, seccomp_bpf())
        os.lseek(fd, 0, os.SEEK_SET)
    except BaseException:
        os.close(fd)
        raise
    return fd

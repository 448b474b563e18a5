"""Locks taken by code that `run_off_hub` moves to gevent's native threads must be real OS locks.

A monkey-patched `threading.Lock` is a gevent lock; native threads contending for it can wait
forever. That hung the gevent worker's hit tests (five cold queries building the ONNX session
at once). Each case runs in a fresh, fully monkey-patched interpreter: five greenlets, each on
a native thread, contend for the object's lock for many rounds; a hang fails the case.
"""
from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

_SCRIPT = textwrap.dedent("""
    from gevent import monkey; monkey.patch_all()
    import sys, tempfile, gevent
    from pkg.cooperative import run_off_hub
    target = sys.argv[1]
    if target == "embeddings":
        from internal.core.embeddings.local_minilm import LocalMiniLMEmbeddings
        lock = LocalMiniLMEmbeddings()._lock
    elif target == "vector_store":
        from internal.core.vector_store.local import LocalVectorStore
        lock = LocalVectorStore(tempfile.mkdtemp(), 8)._cache_lock
    else:
        from pkg.cooperative import native_lock
        lock = native_lock()

    def hold(i):
        with lock:
            x = 0
            for _ in range(200_000):  # CPU while holding it, as building a session does
                x += 1
        return i

    for rnd in range(60):
        calls = [gevent.spawn(run_off_hub, hold, i) for i in range(5)]
        if len(gevent.joinall(calls, timeout=20)) != 5:
            print("hung in round", rnd)
            sys.exit(3)
    print("ok")
""")


@pytest.mark.parametrize("target", ["native_lock", "embeddings", "vector_store"])
def test_locks_taken_off_the_hub_never_hang(target):
    proc = subprocess.run([sys.executable, "-c", _SCRIPT, target], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and proc.stdout.strip() == "ok", proc.stdout + proc.stderr

"""Keep CPU-bound calls off the gevent hub.

Under gunicorn's gevent worker every request is a greenlet on one OS thread (the hub); a call
that holds the CPU without yielding (llama.cpp generating tokens, an ONNX embedding, a vector
scan) stalls every other request of the process for its whole duration. `run_off_hub(fn, ...)`
runs such a call in gevent's native thread pool (`gevent.get_hub().threadpool`) and parks only
the calling greenlet until it returns; `iterate_off_hub(it)` does the same for each step of an
iterator (a token stream). Without gevent monkey patching (gthread workers, Celery, the CLI,
tests) both simply call through, so callers need no `if gevent` of their own.

Calls run this way get no Flask context and must not touch the request's session.

Locks taken INSIDE such a call must be `native_lock()`s: a monkey-patched `threading.Lock` is a
gevent lock, and native threads contending for one can wait forever (seen as hit tests hanging
when five cold queries built the ONNX session at once). A native lock must not be held across
anything that yields to the hub (I/O), or a greenlet waiting for it would block the whole hub.
"""
from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

T = TypeVar("T")

_DONE = object()


def under_gevent() -> bool:
    """True when gevent has monkey-patched this process's threading (gunicorn's gevent worker)."""
    monkey = sys.modules.get("gevent.monkey")
    return monkey is not None and monkey.is_module_patched("threading")


def native_lock() -> threading.Lock:
    """A real OS-level lock even after gevent patched `threading` (for code run by `run_off_hub`)."""
    if under_gevent():
        from gevent import monkey

        return monkey.get_original("threading", "Lock")()
    return threading.Lock()


def run_off_hub(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """`fn(*args, **kwargs)`, on a native thread when running under gevent."""
    if not under_gevent():
        return fn(*args, **kwargs)
    import gevent

    return gevent.get_hub().threadpool.apply(fn, args, kwargs)


def iterate_off_hub(iterable: Iterable[T]) -> Iterator[T]:
    """Yields the items of `iterable`; under gevent each step runs on a native thread."""
    if not under_gevent():
        yield from iterable
        return
    it = iter(iterable)
    try:
        while True:
            item = run_off_hub(next, it, _DONE)
            if item is _DONE:
                return
            yield item
    finally:
        close = getattr(it, "close", None)
        if close is not None:  # a consumer that stops early (client gone) ends the generation
            close()

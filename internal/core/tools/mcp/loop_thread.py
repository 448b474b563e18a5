"""A private asyncio event loop on its own OS thread, for async-only SDKs called from sync code.

Flask handlers, Celery tasks and agent runs are synchronous; the `mcp` client is async. Each
call is submitted to one long-lived loop (`run(coro, timeout)`) instead of `asyncio.run` per call
(which would build and tear down a loop, and cannot run inside a thread that already has one).
Under gunicorn's gevent worker `threading.Thread` would be a greenlet on the hub: the loop gets a
real OS thread (gevent's original `start_new_thread`) and the caller waits for it off the hub.
"""
from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

from pkg.cooperative import run_off_hub, under_gevent

T = TypeVar("T")


def _start_os_thread(target) -> None:
    if under_gevent():
        from gevent.monkey import get_original

        get_original("_thread", "start_new_thread")(target, ())
    else:
        threading.Thread(target=target, name="mcp-event-loop", daemon=True).start()


class EventLoopThread:
    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._lock = threading.Lock()

    def _ensure_loop(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop is None:  # started on first use: no thread at import or app creation
                loop = asyncio.new_event_loop()
                _start_os_thread(lambda: (asyncio.set_event_loop(loop), loop.run_forever()))
                self._loop = loop
            return self._loop

    def run(self, coro: Coroutine[Any, Any, T], timeout: float) -> T:
        """The coroutine's result; cancels it and raises TimeoutError after `timeout` seconds."""
        future = asyncio.run_coroutine_threadsafe(coro, self._ensure_loop())
        try:
            return run_off_hub(future.result, timeout)
        except concurrent.futures.TimeoutError:
            future.cancel()
            raise TimeoutError(f"no answer within {timeout:g} s") from None

    def close(self) -> None:
        with self._lock:
            if self._loop is not None:
                self._loop.call_soon_threadsafe(self._loop.stop)
                self._loop = None

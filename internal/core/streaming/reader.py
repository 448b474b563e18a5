"""Reading a task's frames for one HTTP client: the SSE body generator.

Yields one `bytes` frame at a time (the server writes each in one write). Keeps the connection
alive with `ping()` whenever nothing arrived for `ping_interval` seconds (slow first tokens,
long tools), ends after the task's terminal frame, and never waits forever: past
`max_duration` it sends `timeout_frame()`, and when the task has no live run (its process
died and no sweeper has closed the stream yet) for two ping intervals it sends `lost_frame()`
(`alive` replaces that check for tasks that may wait in a queue or be resumed elsewhere
before their next frame: while it answers True the reader waits).
Closing the generator (client disconnect) only unsubscribes: the run goes on.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Iterator

from .channel import StreamChannel, Subscription


def stream_frames(channel: StreamChannel, task_id: str, *, after: int = 0, ping: Callable[[], bytes],
                  ping_interval: float = 10.0, max_duration: float = 900.0, ping_first: bool = True,
                  timeout_frame: Callable[[], bytes] | None = None,
                  lost_frame: Callable[[], bytes] | None = None,
                  alive: Callable[[], bool] | None = None,
                  subscription: Subscription | None = None, join: bool = False) -> Iterator[bytes]:
    """`subscription`: one made before the task started (`channel.subscribe(task_id, after)`),
    so that a task run by this process hands its first frames to it directly. `join`: the
    frames that arrived together leave in one write (each still whole; for clients that parse
    a byte stream — not the console, whose reader wants one frame per read)."""
    if ping_first:
        yield ping()  # the first frame carries the ids at once; subscribing after it loses nothing (frames are numbered)
    sub = subscription if subscription is not None else channel.subscribe(task_id, after)
    try:
        deadline = time.monotonic() + max_duration
        idle_checks = 0
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                if timeout_frame is not None:
                    yield timeout_frame()
                return
            batch = sub.next_batch(min(ping_interval, remaining))
            if batch:
                idle_checks = 0
                if join:
                    end = next((i for i, e in enumerate(batch) if e.terminal), None)
                    yield b"".join(e.frame for e in batch[:None if end is None else end + 1])
                    if end is not None:
                        return
                    continue
                for entry in batch:
                    yield entry.frame
                    if entry.terminal:
                        return
                continue
            if time.monotonic() >= deadline:
                continue
            if alive is not None:
                running = alive()
            else:
                running = sub.running()
                running = running if running is not None else channel.is_running(task_id)
            if not running:
                idle_checks += 1
                if idle_checks >= 2:
                    if lost_frame is not None:
                        yield lost_frame()
                    return
            yield ping()
    finally:
        sub.close()

"""Shared by the HTTP benches (bench.chat, bench.workflow.api): a closed-loop load of client
threads, each with its own httpx client, and percentiles in milliseconds."""
from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TypeVar

import httpx

T = TypeVar("T")


def pct(values: list[float], q: float) -> float:
    """The q-quantile of seconds, in milliseconds (NaN for no values)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000 if ordered else float("nan")


def run(call: Callable[[httpx.Client], T], concurrency: int, seconds: float) -> list[T]:
    """`concurrency` threads call `call(client)` back to back for `seconds`; answers every result.
    Errors are counted and one is printed, never hidden."""
    out: list[T] = []
    lock = threading.Lock()
    stop_at = time.perf_counter() + seconds
    errors: list[str] = []

    def worker() -> None:
        with httpx.Client(timeout=60, trust_env=False) as client:
            mine = []
            while time.perf_counter() < stop_at:
                try:
                    mine.append(call(client))
                except Exception as exc:  # counted, never hidden
                    errors.append(repr(exc))
            with lock:
                out.extend(mine)

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        print(f"   {len(errors)} errors, e.g. {errors[0]}")
    return out

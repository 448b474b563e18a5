"""The phases of bench.chat_streams: request the streams at a fixed rate, wait until every one has
answered (bounded), hold them all, then count whose pings still flow; with the server's figures."""
from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

from bench.chat_streams.client import Streams, chat_request, hold_one
from bench.chat_streams.server_stats import connections_to, listen_overflows, listen_queue, open_fds, rss_mb
from bench.proc_stats import cpu_seconds

PROGRESS_EVERY = 10.0  # seconds between progress lines while the streams open


@dataclass(frozen=True)
class Plan:
    host: str
    port: int
    path: str
    headers: dict
    streams: int
    rate: float
    max_pending: int  # streams requested but not yet answered, at most (0: no bound)
    hold: float
    window: float  # the last seconds of the hold in which every stream must have pinged
    open_timeout: float
    pid: int  # the web worker
    upstream_port: int  # the fake model: a run waiting on it holds one connection


class Monitor:
    """Peaks of the worker (RSS, open files) and of its accept queue, sampled about once a second."""

    def __init__(self, plan: Plan):
        self.plan = plan
        self.rss = self.fds = self.queue = 0.0
        self.backlog = 0
        self._next = 0.0

    def sample(self, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now < self._next:
            return
        self._next = now + 1.0
        self.rss = max(self.rss, rss_mb(self.plan.pid))
        self.fds = max(self.fds, open_fds(self.plan.pid))
        queued, self.backlog = listen_queue(self.plan.port)
        self.queue = max(self.queue, queued)


async def hold_streams(plan: Plan) -> bool:
    n = plan.streams
    streams, monitor = Streams(n), Monitor(plan)
    overflows0, cpu0, client_cpu0 = listen_overflows(), cpu_seconds(plan.pid), time.process_time()
    t0 = pace0 = time.monotonic()
    next_progress = t0 + PROGRESS_EVERY
    tasks = []
    paced = 0.0  # seconds the ramp waited for pending streams to answer
    for i in range(n):
        if plan.max_pending and i - streams.settled() >= plan.max_pending:
            waited = time.monotonic()
            while i - streams.settled() >= plan.max_pending:
                await asyncio.sleep(0.005)
            paced += time.monotonic() - waited
            pace0 += time.monotonic() - waited  # the rate counts on from here: no burst to catch up
        request = chat_request(plan.host, plan.port, plan.path, plan.headers, f"hold {i}")
        tasks.append(asyncio.create_task(hold_one(streams, i, plan.host, plan.port, request)))
        await asyncio.sleep(max(0.0, pace0 + (i + 1) / plan.rate - time.monotonic()))
        monitor.sample()
        if time.monotonic() >= next_progress:
            next_progress += PROGRESS_EVERY
            _progress(t0, streams, plan)
    requested_in = time.monotonic() - t0
    print(f"  {n} streams requested in {requested_in:.1f} s ({n / requested_in:.0f}/s; "
          f"{paced:.0f} s of it waiting while {plan.max_pending} were pending); "
          f"answered so far {streams.answered()}, opened {streams.opened()}")

    deadline = time.monotonic() + plan.open_timeout
    next_progress = time.monotonic() + PROGRESS_EVERY
    while streams.settled() < n and time.monotonic() < deadline:
        await asyncio.sleep(0.2)
        monitor.sample()
        if time.monotonic() >= next_progress:
            next_progress += PROGRESS_EVERY
            _progress(t0, streams, plan)
    settle_s = time.monotonic() - t0
    opening_cpu, client_cpu = cpu_seconds(plan.pid) - cpu0, time.process_time() - client_cpu0
    opened = streams.opened()
    last_open = max((s.opened for s in streams.states if s.opened), default=t0)
    if streams.settled() < n:
        print(f"  open deadline ({plan.open_timeout:.0f} s after the last request) passed: "
              f"{n - streams.settled()} streams never answered")
    open_latency = sorted(s.opened - s.requested for s in streams.states if s.opened)
    print(f"  streams opened: {opened}/{n} in {settle_s:.1f} s; sustained open rate "
          f"{opened / max(1e-9, last_open - t0):.1f}/s; time to first frame p50 "
          f"{_pct(open_latency, 50):.2f} s, p99 {_pct(open_latency, 99):.2f} s, max {_pct(open_latency, 100):.2f} s")
    print(f"  accept queue: peak {monitor.queue:.0f} of backlog {monitor.backlog}; "
          f"listen overflows (machine-wide) +{listen_overflows() - overflows0}")
    print(f"  web worker CPU: {opening_cpu / max(1, opened) * 1000:.2f} ms per stream opened "
          f"(the ramp, pings of the streams already open included); "
          f"client {client_cpu / max(1, opened) * 1000:.2f} ms per stream")

    hold_end = time.monotonic() + plan.hold
    while time.monotonic() < hold_end:
        await asyncio.sleep(1)
        monitor.sample()
    snapshot = [s.pings for s in streams.states]
    hold_cpu0, hold_t0 = cpu_seconds(plan.pid), time.monotonic()
    window_end = hold_t0 + plan.window
    while time.monotonic() < window_end:
        await asyncio.sleep(1)
        monitor.sample()
    holding = (cpu_seconds(plan.pid) - hold_cpu0) / max(1e-9, time.monotonic() - hold_t0)
    monitor.sample(force=True)
    flowing = sum(1 for s, before in zip(streams.states, snapshot, strict=True) if s.pings > before and not s.error)
    waiting_on_model = connections_to(plan.upstream_port)
    open_at_end = streams.open_now()

    for s in streams.states:
        s.closing = True
    for t in tasks:
        t.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)

    pings = sorted(s.pings for s in streams.states)
    # of the streams still open: a failed stream's silence is its error, counted apart
    gaps = sorted(max(s.max_gap, window_end - s.last_ping) for s in streams.states if s.opened and not s.error) or [0.0]
    errors = sum(streams.errors.values())
    print(f"  after a {plan.hold:.0f} s hold: {open_at_end}/{n} still open; pings flowing "
          f"(last {plan.window:.1f} s): {flowing}/{n}; pings per stream min {pings[0]} median {pings[n // 2]}; "
          f"longest silence of a stream p50 {_pct(gaps, 50):.1f} s, p99 {_pct(gaps, 99):.1f} s, max {gaps[-1]:.1f} s "
          f"(ping interval {plan.window / 1.5:.1f} s)")
    print(f"  agent runs waiting on the model (connections to it): {waiting_on_model}/{n}; the others are "
          f"still preparing (message row, history) behind the database pool")
    print(f"  errors: {errors}" + "".join(f"\n    {count} × {kind}: {streams.samples[kind]!r}"
                                          for kind, count in streams.errors.most_common()))
    print(f"  web worker: {holding * 100:.0f} % of a core while holding {open_at_end} streams; "
          f"peak RSS {monitor.rss:.0f} MB (budget < 2048 MB); peak open files {monitor.fds:.0f}")
    return opened == n and open_at_end == n and errors == 0 and flowing == n and monitor.rss < 2048


def _progress(t0: float, streams: Streams, plan: Plan) -> None:
    print(f"    +{time.monotonic() - t0:.0f} s: answered {streams.answered()}, opened {streams.opened()}, "
          f"errors {sum(streams.errors.values())}, accept queue {listen_queue(plan.port)[0]}", flush=True)


def _pct(values: list[float], p: int) -> float:
    if not values:
        return 0.0
    return values[min(len(values) - 1, len(values) * p // 100)]

"""1,000 concurrent readers in one process: every one gets its frames, and on Redis all of them
are served by ONE blocking connection (the per-process dispatcher), not one per reader."""
import threading
import time

from internal.core.agent.runner import ping_frame
from internal.core.streaming import stream_frames
from pkg import sse

READERS = 1000


def test_one_thousand_concurrent_readers(channel_factory, redis_client, prefix):
    ch = channel_factory()
    tasks = [f"task{i}" for i in range(READERS)]
    leases = [ch.hold_lease(t) for t in tasks]
    results: dict[str, list[str]] = {}
    ready = threading.Semaphore(0)
    old_stack = threading.stack_size(256 * 1024)

    def read(task):
        body = stream_frames(ch, task, ping=lambda: ping_frame(task), ping_interval=5, max_duration=60)
        next(body)                      # subscribed, first ping sent
        ready.release()
        results[task] = [d["thought"] for name, d in sse.parse(body) if name != "ping"]

    threads = [threading.Thread(target=read, args=(t,), daemon=True) for t in tasks]
    try:
        for t in threads:
            t.start()
    finally:
        threading.stack_size(old_stack)
    for _ in tasks:
        assert ready.acquire(timeout=60)
    if channel_factory.kind == "redis":
        names = [c.get("name") for c in redis_client.client_list()]
        reader_name = prefix.replace(":", "-").strip("-") + "-reader"
        assert names.count(reader_name) == 1
    started = time.monotonic()
    for i, task in enumerate(tasks):
        ch.publish(task, sse.frame("agent_message", {"thought": f"{i}-a"}))
        ch.publish(task, sse.frame("agent_end", {"thought": f"{i}-end"}), terminal=True)
    for t in threads:
        t.join(60)
    elapsed = time.monotonic() - started
    assert len(results) == READERS
    assert all(results[t] == [f"{i}-a", f"{i}-end"] for i, t in enumerate(tasks))
    assert elapsed < 30
    for lease in leases:
        lease.release()

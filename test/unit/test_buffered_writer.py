"""pkg.buffered_writer: `flush()` is a read-your-writes barrier — it returns only when every record
emitted before it is written, also those the background thread already took off the queue."""
from __future__ import annotations

import threading

from pkg.buffered_writer import BufferedWriter


def test_flush_waits_for_the_batch_the_background_thread_is_writing():
    written: list[int] = []
    in_write, release = threading.Event(), threading.Event()

    def slow_writer(batch: list[int]) -> None:
        in_write.set()
        release.wait(10)
        written.extend(batch)

    w = BufferedWriter(slow_writer, flush_interval=0.01, name="test-writer")
    try:
        w.emit(1)
        assert in_write.wait(10)  # the background thread holds record 1: the queue is empty now
        assert w.pending == 0
        done = threading.Event()
        reader = threading.Thread(target=lambda: (w.flush(), done.set()))
        reader.start()
        assert not done.wait(0.2)  # still being written: flush must not return yet
        release.set()
        assert done.wait(10) and written == [1]
        reader.join(10)
    finally:
        release.set()
        w.close()


def test_close_writes_what_is_pending():
    written: list[int] = []
    w = BufferedWriter(written.extend, flush_interval=3600, name="test-writer")
    for i in range(5):
        w.emit(i)
    w.close()
    assert written == [0, 1, 2, 3, 4]

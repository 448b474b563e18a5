"""Frames a process publishes for its own tasks reach its readers without a Redis read (the
dispatcher's XREAD only covers tasks produced elsewhere and readers that are behind), in order
and without gaps, whoever else writes to the stream."""
from internal.core.streaming import ChannelSettings, RedisStreamChannel, TaskOwner
from pkg import sse

OWNER = TaskOwner.account("a")


def _channel(redis_client, prefix):
    return RedisStreamChannel(redis_client, ChannelSettings(key_prefix=prefix), block_ms=2000,
                              client_name=prefix.replace(":", "-").strip("-"))


def _collect(sub, n: int) -> list[bytes]:
    got: list[bytes] = []
    for _ in range(200):
        got += [e.frame for e in sub.next_batch(0.1)]
        if len(got) >= n:
            break
    return got


def _frame(i: int) -> bytes:
    return sse.frame("agent_message", {"answer": str(i)})


def test_a_claimed_tasks_frames_reach_its_reader_without_a_read(redis_client, prefix):
    ch = _channel(redis_client, prefix)
    try:
        ch.claim("t1", OWNER)
        sub = ch.subscribe("t1", 0)
        dispatcher = ch.dispatcher_for("t1")
        reads = dispatcher.reads
        for i in range(50):
            ch.publish("t1", _frame(i))
        assert _collect(sub, 50) == [_frame(i) for i in range(50)]
        assert dispatcher.reads - reads <= 1  # the dispatcher's first cycle at most, none per frame
        assert ch.read_range("t1")[-1].seq == 50  # still in Redis for readers elsewhere
    finally:
        ch.close()


def test_a_late_reader_catches_up_from_redis_then_reads_locally(redis_client, prefix):
    ch = _channel(redis_client, prefix)
    try:
        ch.claim("t2", OWNER)
        for i in range(10):
            ch.publish("t2", _frame(i))
        sub = ch.subscribe("t2", 3)  # re-attached after frame 3: gets frames 4..10 from Redis
        assert _collect(sub, 7) == [_frame(i) for i in range(3, 10)]
        for i in range(10, 20):
            ch.publish("t2", _frame(i))
        assert _collect(sub, 10) == [_frame(i) for i in range(10, 20)]
        reads = ch.dispatcher_for("t2").reads
        ch.publish("t2", _frame(20))
        assert _collect(sub, 1) == [_frame(20)]
        assert ch.dispatcher_for("t2").reads == reads  # caught up: local from now on
    finally:
        ch.close()


def test_a_frame_from_another_process_is_not_skipped(redis_client, prefix):
    here, elsewhere = _channel(redis_client, prefix), _channel(redis_client, prefix)
    try:
        here.claim("t3", OWNER)
        sub = here.subscribe("t3", 0)
        here.publish("t3", _frame(1))
        elsewhere.publish("t3", _frame(2))  # e.g. a sweeper's frame: seq 2, not seen locally
        here.publish("t3", _frame(3))       # seq 3: the reader is behind, so it is read up to date
        assert _collect(sub, 3) == [_frame(1), _frame(2), _frame(3)]
    finally:
        here.close()
        elsewhere.close()

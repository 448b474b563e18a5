"""Open task streams held by ONE gevent process over Redis (issue 11 bench budget: 10,000
streams, RSS < 2 GB, no errors, pings flowing).

    python -m bench.streams --redis redis://127.0.0.1:6379/9 --readers 10000 --seconds 20

Each reader is a greenlet running the real SSE body generator (`stream_frames`) over the real
Redis channel, as a gevent web worker would for each client; a slow "upstream" publishes one
frame per task every `--frame-every` seconds; readers ping when idle. Reports RSS, frames and
pings delivered, errors, and the Redis connections the process used.
"""
from gevent import monkey

monkey.patch_all()

import argparse  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402

import gevent  # noqa: E402
from redis import Redis  # noqa: E402

from internal.core.streaming import ChannelSettings, RedisStreamChannel, stream_frames  # noqa: E402
from pkg import sse  # noqa: E402


def rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def ended_how(got):
    return "end" if got and got[-1] == "END" else "other"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--redis", required=True)
    ap.add_argument("--readers", type=int, default=10_000)
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--ping-interval", type=float, default=2.0)
    ap.add_argument("--frame-every", type=float, default=5.0)
    args = ap.parse_args()

    prefix = f"bench:{uuid.uuid4().hex[:8]}:"
    client = Redis.from_url(args.redis)
    channel = RedisStreamChannel(client, ChannelSettings(key_prefix=prefix, stream_ttl_s=600), client_name="bench")
    tasks = [f"t{i}" for i in range(args.readers)]
    rss_before = rss_mb()
    leases = [channel.hold_lease(t) for t in tasks]
    stats = {"frames": 0, "pings": 0, "errors": 0, "ended": 0, "lost": 0}

    def reader(task: str) -> None:
        try:
            body = stream_frames(channel, task, ping=lambda: sse.frame("ping", {"thought": "p"}),
                                 ping_interval=args.ping_interval, max_duration=args.seconds + 60,
                                 lost_frame=lambda: sse.frame("error", {"lost": True}),
                                 timeout_frame=lambda: sse.frame("error", {"timeout": True}))
            got = []
            for name, data in sse.parse(body):
                got.append(data.get("thought"))
                if name == "error":
                    stats["lost"] += 1
                    continue
                stats["pings" if name == "ping" else "frames"] += 1
            stats["ended"] += 1
            if ended_how(got) != "end" and "sample" not in stats:
                stats["sample"] = (task, got[-5:])
        except Exception as exc:
            stats["errors"] += 1
            if stats["errors"] == 1:
                print("first error:", repr(exc))

    started = time.monotonic()
    greenlets = [gevent.spawn(reader, t) for t in tasks]
    gevent.sleep(1)    # let every reader subscribe (bench pacing, not a test)
    open_rss = rss_mb()
    deadline = started + args.seconds
    rounds = 0
    while time.monotonic() < deadline:
        pipe = channel._redis.pipeline(transaction=False)
        for t in tasks:
            pipe.xadd(f"{prefix}task:{t}:frames", {b"f": sse.frame("agent_message", {"thought": f"r{rounds}"}), b"t": b"0"},
                      id="0-*")
        pipe.execute()
        rounds += 1
        gevent.sleep(args.frame_every)
    peak_rss = rss_mb()
    names = [c.get("name") for c in Redis.from_url(args.redis).client_list()]
    ended_at = time.monotonic()
    pipe = channel._redis.pipeline(transaction=False)
    for t in tasks:
        pipe.xadd(f"{prefix}task:{t}:frames", {b"f": sse.frame("agent_end", {"thought": "END"}), b"t": b"1"},
                  id="0-*")
    pipe.execute()
    gevent.joinall(greenlets, timeout=60)
    drain_s = time.monotonic() - ended_at
    for lease in leases:
        lease.release()
    print({"readers": args.readers, "seconds": args.seconds, "publish_rounds": rounds,
           "frames_delivered": stats["frames"], "frames_expected": args.readers * (rounds + 1),
           "pings": stats["pings"], "errors": stats["errors"], "ended": stats["ended"], "lost": stats["lost"],
           "reader_connections": names.count(b"bench-reader") + names.count("bench-reader"),
           "sample": stats.get("sample"), "end_frames_drained_s": round(drain_s, 2), "rss_mb_start": round(rss_before, 1), "rss_mb_streams_open": round(open_rss, 1),
           "rss_mb_peak": round(peak_rss, 1), "dispatcher_reads": sum(d.reads for d in channel._dispatchers)})
    keys = list(client.scan_iter(match=prefix + "*", count=5000))
    for i in range(0, len(keys), 1000):
        client.delete(*keys[i:i + 1000])
    channel.close()


if __name__ == "__main__":
    main()

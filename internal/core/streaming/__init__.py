"""Cross-process task streams: frames, stop flags, ownership and run leases (docs/agents.md §5)."""
from .channel import ChannelSettings, Entry, ExpiredRun, Lease, StreamChannel, Subscription, TaskOwner
from .memory_channel import InProcessStreamChannel
from .reader import stream_frames
from .redis_channel import RedisStreamChannel

__all__ = ["ChannelSettings", "Entry", "ExpiredRun", "InProcessStreamChannel", "Lease", "RedisStreamChannel",
           "StreamChannel", "Subscription", "TaskOwner", "stream_frames"]

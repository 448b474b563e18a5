"""The other process of the cross-process channel tests: `python -m test.support.channel_peer
<redis_url> <key_prefix> <command> <task_id> [arg]`. Prints one line per event on stdout.

  publish <n>     publish n `agent_message` frames then a terminal `agent_end`
  read <after>    read the task's frames after <after> until the terminal one; print each as JSON
  hold <ttl>      hold the task's lease (lease TTL <ttl> s), print "held", then wait to be killed
  agent           run an agent turn whose model streams until the task is stopped; print "started"
"""
from __future__ import annotations

import json
import sys
import threading

from langchain_core.messages import AIMessageChunk
from redis import Redis

from internal.core.agent import AgentConfig, AgentTurn, create_agent
from internal.core.agent.events import AgentEvent, AgentEventName
from internal.core.agent.runner import AgentRunner, NullHooks, event_frame, ping_frame
from internal.core.streaming import ChannelSettings, RedisStreamChannel, TaskOwner, stream_frames
from pkg import sse
from test.support.fake_chat import ScriptedChatModel


def slow_forever(n: int = 5000):
    """A slow upstream: one token per 10 ms, made lazily (the run is stopped long before the end)."""
    gate = threading.Event()
    for i in range(n):
        yield AIMessageChunk(content=f"w{i} ")
        yield lambda: gate.wait(0.01)


def main(argv: list[str]) -> int:
    url, prefix, command, task_id, *rest = argv
    ttl = float(rest[0]) if command == "hold" else 15.0
    channel = RedisStreamChannel(Redis.from_url(url), ChannelSettings(key_prefix=prefix, lease_ttl_s=ttl))
    out = sys.stdout
    if command == "publish":
        for i in range(int(rest[0])):
            ev = AgentEvent(AgentEventName.AGENT_MESSAGE, id="m", task_id=task_id, thought=f"piece {i}")
            channel.publish(task_id, event_frame(ev))
        channel.publish(task_id, event_frame(AgentEvent(AgentEventName.AGENT_END, task_id=task_id)), terminal=True)
        print("published", flush=True)
    elif command == "read":
        body = stream_frames(channel, task_id, after=int(rest[0]), ping=lambda: ping_frame(task_id),
                             ping_first=False, ping_interval=0.2, max_duration=30)
        for name, data in sse.parse(body):
            out.write(json.dumps({"event": name, "thought": data["thought"]}) + "\n")
            out.flush()
    elif command == "hold":
        channel.hold_lease(task_id, {"message_id": "msg-" + task_id})
        print("held", flush=True)
        threading.Event().wait()
    elif command == "agent":
        llm = ScriptedChatModel(script=[slow_forever])
        agent = create_agent("function_calling", AgentConfig(llm=llm, timeout_s=60))
        turn = AgentTurn(query="go", task_id=task_id, message_id="msg-" + task_id, conversation_id="conv")
        threads: list[threading.Thread] = []

        def spawn(fn):
            threads.append(threading.Thread(target=fn))
            threads[-1].start()

        class Hooks(NullHooks):
            def on_finish(self, outcome):
                print(f"finished {outcome.status} closed_early={llm.closed_early}", flush=True)

        AgentRunner(channel, stop_poll_s=0.05, spawn=spawn).start(agent, turn, Hooks(), TaskOwner.account("acc-1"))
        print("started", flush=True)
        threads[0].join(60)
    channel.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Two processes sharing Redis: the other process is `test/support/channel_peer.py`."""
import json
import os
import sys
import threading
import time
import uuid

import pytest

from internal.core.agent.events import AgentEvent, AgentEventName
from internal.core.agent.runner import event_frame, ping_frame, request_stop, sweep_crashed_runs
from internal.core.streaming import TaskOwner, stream_frames
from pkg import sse
from test.support.environment import redis_url
from test.support.processes import ROOT, ManagedProcess, wait_until

from .conftest import make_channel

DEADLINE_S = 20


@pytest.fixture
def rchannel(redis_client, prefix):
    ch = make_channel("redis", redis_client, prefix)
    yield ch
    ch.close()


@pytest.fixture
def peer(tmp_path, prefix):
    procs = []

    def start(command, task_id, *args):
        env = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONUNBUFFERED="1")
        log = tmp_path / f"peer-{len(procs)}.log"
        p = ManagedProcess([sys.executable, "-m", "test.support.channel_peer", redis_url(2), prefix, command, task_id,
                            *map(str, args)], env, log)
        procs.append(p)
        return p
    yield start
    for p in procs:
        p.stop()


def lines(proc):
    return [ln for ln in proc.log_path.read_text().splitlines() if ln.strip()]


def test_frames_published_in_another_process_are_read_here(rchannel, peer):
    task = uuid.uuid4().hex
    lease = rchannel.hold_lease(task)          # the run "exists" while the publisher process starts
    body = stream_frames(rchannel, task, ping=lambda: ping_frame(task), ping_first=False, ping_interval=0.2,
                         max_duration=DEADLINE_S)
    got = []
    reader = threading.Thread(target=lambda: got.extend(sse.parse(body)))
    reader.start()
    proc = peer("publish", task, 50)
    reader.join(DEADLINE_S)
    assert [d["thought"] for n, d in got if n == "agent_message"] == [f"piece {i}" for i in range(50)]
    assert got[-1][0] == "agent_end"
    proc.proc.wait(DEADLINE_S)
    lease.release()


def test_another_process_reattaches_and_gets_the_missed_frames(rchannel, peer, tmp_path):
    task = uuid.uuid4().hex
    for i in range(8):
        rchannel.publish(task, event_frame(AgentEvent(AgentEventName.AGENT_MESSAGE, thought=f"p{i}")))
    rchannel.publish(task, event_frame(AgentEvent(AgentEventName.AGENT_END)), terminal=True)
    proc = peer("read", task, 5)               # the client had seen frames 1..5
    assert proc.proc.wait(DEADLINE_S) == 0
    assert [json.loads(ln)["thought"] for ln in lines(proc)] == ["p5", "p6", "p7", ""]


def test_stop_requested_here_stops_the_run_in_the_other_process(rchannel, peer):
    task = uuid.uuid4().hex
    proc = peer("agent", task)
    wait_until(lambda: rchannel.owner_of(task) is not None, timeout=DEADLINE_S, what="peer run", process=proc)
    assert not request_stop(rchannel, task, TaskOwner.end_user("acc-1"))   # not the owner
    names = []
    for name, _ in sse.parse(stream_frames(rchannel, task, ping=lambda: ping_frame(task), ping_interval=0.5,
                                           max_duration=DEADLINE_S)):
        names.append(name)
        if names.count("agent_message") == 3:
            assert request_stop(rchannel, task, TaskOwner.account("acc-1"))
    assert names[-1] == "stop"
    assert proc.proc.wait(DEADLINE_S) == 0
    assert "finished stop closed_early=[1]" in lines(proc)          # the model stream was closed
    assert not rchannel.is_running(task)


def test_a_killed_run_is_detected_by_the_sweeper_within_the_lease_ttl(rchannel, peer):
    task = uuid.uuid4().hex
    proc = peer("hold", task, 1.0)
    wait_until(lambda: "held" in proc.log_tail(), timeout=DEADLINE_S, what="peer lease", process=proc)
    assert rchannel.is_running(task)
    proc.kill()
    killed_at = time.monotonic()
    body = stream_frames(rchannel, task, ping=lambda: ping_frame(task), ping_first=False, ping_interval=0.2,
                         max_duration=DEADLINE_S)
    claimed = []
    while not claimed and time.monotonic() - killed_at < DEADLINE_S:
        claimed = sweep_crashed_runs(rchannel)
        if not claimed:
            rchannel.subscribe(task).next_batch(0.1)   # a bounded wait between sweeps
    assert [(r.task_id, r.meta["message_id"]) for r in claimed] == [(task, "msg-" + task)]
    assert time.monotonic() - killed_at < 1.0 + 2.0       # within the lease TTL (plus one renewal period)
    frames = list(sse.parse(body))
    assert frames[-1][0] == "error" and frames[-1][1]["message_id"] == "msg-" + task

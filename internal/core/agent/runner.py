"""Running a turn apart from the HTTP connection.

`AgentRunner.start()` claims the task (owner, lease) and runs the turn in a background thread
(a greenlet under gevent) that publishes every frame to the channel; HTTP clients read the
channel (`internal.core.streaming.stream_frames`) and may come and go — a disconnect neither
stops nor orphans the run. The service's `TurnHooks` are called AS THINGS HAPPEN: `on_step`
for each completed step (full text, for `message_agent_thought`), `on_finish` with the outcome
(message status normal | stop | error, answer, tokens, price, latency) BEFORE the terminal frame
is published — so a client that sees `agent_end` can read the saved message — and `on_summary`
with the updated long-term memory afterwards.

A stop requested from any process is seen through the channel's stop flag (polled by the
cancel token between chunks and steps). A run whose process dies stops renewing its lease;
`sweep_crashed_runs()` (called periodically by the service / beat) claims it, ends its stream
with an `error` frame and hands it back so the service marks its message `error`.
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from typing import Protocol

from internal.core.streaming.channel import ExpiredRun, Lease, StreamChannel, TaskOwner
from pkg.sse import frame

from .base import BaseAgent
from .control import CancelToken, RunControl
from .entities import AgentTurn
from .events import MAX_FRAME_BYTES, AgentEvent, AgentEventName, new_id
from .memory import Summariser
from .outcome import AgentOutcome

log = logging.getLogger(__name__)
CRASHED_RUN_MESSAGE = "the run was interrupted (its server process stopped); please try again"


class TurnHooks(Protocol):
    def on_step(self, event: AgentEvent) -> None: ...

    def on_finish(self, outcome: AgentOutcome) -> None: ...

    def on_summary(self, summary: str) -> None: ...


class NullHooks:
    def on_step(self, event: AgentEvent) -> None:
        pass

    def on_finish(self, outcome: AgentOutcome) -> None:
        pass

    def on_summary(self, summary: str) -> None:
        pass


def event_frame(event: AgentEvent, max_bytes: int = MAX_FRAME_BYTES) -> bytes:
    return frame(str(event.event), event.stream_data(max_bytes))


def ping_frame(task_id: str, message_id: str = "", conversation_id: str = "") -> bytes:
    return event_frame(AgentEvent(AgentEventName.PING, id="", task_id=task_id, message_id=message_id,
                                  conversation_id=conversation_id))


class AgentRunner:
    def __init__(self, channel: StreamChannel, *, max_frame_bytes: int = MAX_FRAME_BYTES,
                 stop_poll_s: float = 0.25, spawn: Callable[[Callable[[], None]], object] | None = None) -> None:
        self.channel, self.max_frame_bytes, self.stop_poll_s = channel, max_frame_bytes, stop_poll_s
        self._spawn = spawn or _thread

    def start(self, agent: BaseAgent, turn: AgentTurn, hooks: TurnHooks, owner: TaskOwner, *,
              summariser: Summariser | None = None, meta: dict[str, str] | None = None,
              run_in: Callable[[], AbstractContextManager] | None = None,
              prepare: Callable[[], None] | None = None) -> Lease:
        """Claim the task and run the turn in the background; answers the run's lease. `run_in`
        gives the context the background run needs (the service's app context: tools and hooks
        use the database); `prepare` runs first in the background (e.g. the message row and the
        history: work the client need not wait for before its first frame)."""
        lease = self.claim(turn, owner, meta)
        self.launch(agent, turn, hooks, lease, summariser=summariser, run_in=run_in, prepare=prepare)
        return lease

    def claim(self, turn: AgentTurn, owner: TaskOwner, meta: dict[str, str] | None = None) -> Lease:
        """The task's owner and lease (one round trip on Redis): from now on a stop from any
        process is accepted for it, and a run that never starts is swept like a crashed one."""
        return self.channel.claim(turn.task_id, owner, {"message_id": turn.message_id,
                                                        "conversation_id": turn.conversation_id, **(meta or {})})

    def launch(self, agent: BaseAgent, turn: AgentTurn, hooks: TurnHooks, lease: Lease, *,
               summariser: Summariser | None = None, run_in: Callable[[], AbstractContextManager] | None = None,
               prepare: Callable[[], None] | None = None) -> None:
        """Run a claimed turn in the background."""
        def background() -> None:
            with run_in() if run_in is not None else nullcontext():
                self.run(agent, turn, hooks, summariser=summariser, lease=lease, prepare=prepare)

        self._spawn(background)

    def launch_building(self, build: Callable[[], tuple[BaseAgent, Summariser | None]], turn: AgentTurn,
                        hooks: TurnHooks, lease: Lease, *, failed: Callable[[Exception], AgentEvent],
                        run_in: Callable[[], AbstractContextManager] | None = None,
                        prepare: Callable[[], None] | None = None) -> None:
        """Like `launch`, with the agent built first IN the background run: building and
        `prepare` then share the run's context (one database session, one pooled connection,
        one transaction) instead of each opening their own. A build that fails releases the
        lease, then ends the stream with `failed(exc)` (called inside the `except`)."""
        def background() -> None:
            with run_in() if run_in is not None else nullcontext():
                try:
                    agent, summariser = build()
                except Exception as exc:
                    _call(lease.release)  # before the terminal frame: a reader that sees it finds no run
                    self._publish(turn.task_id, failed(exc))
                    return
                self.run(agent, turn, hooks, summariser=summariser, lease=lease, prepare=prepare)

        self._spawn(background)

    def run(self, agent: BaseAgent, turn: AgentTurn, hooks: TurnHooks, *, summariser: Summariser | None = None,
            lease: Lease | None = None, prepare: Callable[[], None] | None = None) -> AgentOutcome:
        """The turn, synchronously (`start` calls this in the background)."""
        task_id = turn.task_id
        cancel = CancelToken(remote=lambda: self.channel.is_stop_requested(task_id), poll_interval=self.stop_poll_s)
        control = RunControl.with_timeout(agent.config.timeout_s, cancel)
        outcome = AgentOutcome()
        try:
            if prepare is not None:
                prepare()
            for event in agent.run(turn, control):
                outcome.add(event)
                if event.persist:
                    _call(hooks.on_step, event)
                if event.terminal:
                    _call(hooks.on_finish, outcome)
                if event.stream:
                    self._publish(task_id, event)
            if summariser is not None and agent.config.long_term_memory and outcome.status == "normal":
                summary = summariser.summarise(turn.long_term_memory, turn.query, outcome.answer)
                _call(hooks.on_summary, summary)
        except Exception:
            log.exception("agent run %s failed outside the agent", task_id)
            if not outcome.end_event:
                failed = AgentEvent(AgentEventName.ERROR, task_id=task_id, message_id=turn.message_id,
                                    conversation_id=turn.conversation_id, observation="the run failed unexpectedly",
                                    persist=True)
                outcome.add(failed)
                _call(hooks.on_finish, outcome)
                self._publish(task_id, failed)
        finally:
            if lease is not None:
                _call(lease.release)
        return outcome

    def _publish(self, task_id: str, event: AgentEvent) -> None:
        try:
            self.channel.publish(task_id, event_frame(event, self.max_frame_bytes), terminal=event.terminal)
        except Exception:  # readers miss this frame; the run and its persistence go on
            log.warning("could not publish a frame of task %s", task_id, exc_info=True)


def request_stop(channel: StreamChannel, task_id: str, owner: TaskOwner) -> bool:
    """Stop a task from any process; False when `owner` does not own it (or it is unknown)."""
    if not channel.is_owner(task_id, owner):
        return False
    channel.request_stop(task_id)
    return True


def sweep_crashed_runs(channel: StreamChannel, limit: int = 100) -> list[ExpiredRun]:
    """Claim runs whose lease expired, end their streams with an `error` frame, answer them."""
    runs = channel.claim_expired(limit)
    for run in runs:
        ev = AgentEvent(AgentEventName.ERROR, id=new_id(), task_id=run.task_id,
                        message_id=run.meta.get("message_id", ""), conversation_id=run.meta.get("conversation_id", ""),
                        observation=CRASHED_RUN_MESSAGE)
        try:
            channel.publish(run.task_id, event_frame(ev), terminal=True)
        except Exception:
            log.warning("could not close the stream of crashed task %s", run.task_id, exc_info=True)
    return runs


def _call(fn: Callable, *args: object) -> None:
    try:
        fn(*args)
    except Exception:  # a persistence hook failing must not cut the stream or leave the lease
        log.exception("agent runner hook %s failed", getattr(fn, "__qualname__", fn))


def _thread(target: Callable[[], None]) -> threading.Thread:
    t = threading.Thread(target=target, name="agent-run", daemon=True)
    t.start()
    return t

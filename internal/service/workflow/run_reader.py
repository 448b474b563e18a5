"""Reading a run's frames from its run channel, in whichever process serves the client (the run
itself may be on a worker, on another server process, or on a thread here).

`frames()` is an SSE body: the frames after `after` (a client that re-attaches gives the number
of run frames it has seen), `: ping` comments while the run is quiet, the end after the terminal
frame. While the run may still produce frames — its lease is held, or its row is still `running`
(queued for a worker, or waiting for the recovery sweep to resume it elsewhere) — the reader
waits; when neither holds it ends with a failure frame. `wait()` is the blocking API call: the
same channel, the end only."""
from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from injector import inject
from sqlalchemy import select

from config import Config
from internal.core.streaming import Subscription, stream_frames
from internal.core.workflow.engine import RunLimits
from internal.core.workflow.entities.runs import RunStatus
from internal.exception import ServiceUnavailableException
from internal.model.workflow import WorkflowResult
from pkg import sse
from pkg.sqlalchemy import SQLAlchemy

from .app_scope import AppScope
from .run_channel import WorkflowRunChannel
from .run_frames import RESULT_EVENT, FrameStyle, failure_frame

KEEPALIVE_SECONDS = 10.0
LOST_RUN = "the run stopped without an end (its process died and it could not be resumed)"
GAVE_UP = "the stream waited too long for the run to end; read the run's result later"


@inject
@dataclass
class WorkflowRunReader:
    conf: Config
    db: SQLAlchemy
    runs: WorkflowRunChannel

    def _max_seconds(self) -> float:
        # the longest run, plus a crashed run's lease expiring and its resume elsewhere
        return max(self.conf.AGENT_STREAM_MAX_SECONDS, RunLimits().max_time_s + 4 * self.conf.AGENT_LEASE_SECONDS)

    def _alive(self, scope: AppScope, run_id: str):
        def alive() -> bool:
            if self.runs.channel.is_running(run_id):
                return True
            with scope(), self.db.engine.connect() as conn:  # not the session: no transaction left open
                status = conn.execute(select(WorkflowResult.status)
                                      .where(WorkflowResult.id == uuid.UUID(run_id))).scalar()
            return status == RunStatus.RUNNING.value

        return alive

    def _read(self, scope: AppScope, run_id: str, style: FrameStyle, after: int, keepalive_s: float,
              subscription: Subscription | None = None) -> Iterator[bytes]:
        body = stream_frames(
            self.runs.channel, run_id, after=after, ping=lambda: sse.PING_COMMENT, ping_interval=keepalive_s,
            max_duration=self._max_seconds(), ping_first=False,
            timeout_frame=lambda: failure_frame(style, run_id, GAVE_UP),
            lost_frame=lambda: failure_frame(style, run_id, LOST_RUN), alive=self._alive(scope, run_id),
            subscription=subscription, join=style == FrameStyle.EVENTS)  # the console reads debug frames
        return (frame for frame in body if frame)  # a debug run's terminal frame may be empty

    def subscribe(self, run_id: str) -> Subscription:
        """Before the run is launched (after its lease is held here): a run this process executes
        hands its frames to this subscription directly, without a read. Close it if unused."""
        return self.runs.channel.subscribe(run_id)

    def frames(self, scope: AppScope, run_id: str, style: FrameStyle, after: int = 0,
               subscription: Subscription | None = None) -> Iterator[bytes]:
        return self._read(scope, run_id, style, after, KEEPALIVE_SECONDS, subscription)

    def wait(self, scope: AppScope, run_id: str) -> dict[str, Any] | None:
        """The blocking answer from the run's `result` frame; None when the run ended another way
        (resumed after a crash: its stream has the engine's events; read its rows instead)."""
        last = None
        for frame in self._read(scope, run_id, FrameStyle.RESULT, 0, KEEPALIVE_SECONDS):
            if frame != sse.PING_COMMENT:
                last = frame
        if last is None:
            return None
        event, data = next(sse.parse([last]))
        if event == RESULT_EVENT:
            return data
        if event == "error":
            raise ServiceUnavailableException(data.get("error") or LOST_RUN)
        return None

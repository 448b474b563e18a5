"""One workflow run on a thread of its own, its events read from a queue.

The thread pushes its own application context (the HTTP request's ends when the response
starts streaming), so the run, its rows and what happens after it (`on_finished`) do not depend
on the connection: a client that disconnects stops reading, never the run. The reader gets the
engine's events in order and `None` every `keepalive_s` without one (time for a keep-alive)."""
from __future__ import annotations

import logging
import queue
import threading
import uuid
from collections.abc import Callable, Iterator
from typing import Any

from internal.core.streaming import Lease
from internal.core.workflow.engine import CompiledWorkflow, WorkflowEngine
from internal.core.workflow.entities.runs import EventType, RunResult, RunStatus, WorkflowEvent
from internal.core.workflow.ports import CallerInfo, CancelToken

from .app_scope import AppScope
from .run_slots import RunSlot

log = logging.getLogger(__name__)
_END = object()


class QueueSink:
    """The engine's EventSink for one run (thread-safe: queue.Queue)."""

    def __init__(self, events: queue.Queue):
        self.events = events

    def emit(self, event: WorkflowEvent) -> None:
        self.events.put(event)


def start_run(scope: AppScope, engine: WorkflowEngine, compiled: CompiledWorkflow, values: dict[str, Any],
              caller: CallerInfo, run_id: str, lease: Lease, on_finished: Callable[[RunResult], None] | None = None,
              keepalive_s: float = 10.0, cancel: CancelToken | None = None,
              slot: RunSlot | None = None) -> Iterator[WorkflowEvent | None]:
    """`lease` is the run's, taken before its first row: released when the run ends, left to
    expire when it cannot finish (the recovery sweep resumes it from its rows). `slot` (the
    account's concurrent-run slot) is released when the run's thread ends."""
    events: queue.Queue = queue.Queue()

    def run() -> None:
        with scope.app.app_context():
            try:
                result = engine.run(compiled, values, caller=caller, run_id=run_id, sink=QueueSink(events),
                                    cancel=cancel)
            except Exception:  # the store failed: the run cannot be trusted, say so in the stream
                lease.abandon()
                ref = uuid.uuid4().hex[:8]
                log.exception("workflow run %s failed (ref %s)", run_id, ref)
                events.put(WorkflowEvent(EventType.RUN_FAILED, run_id, status=RunStatus.FAILED,
                                         error=f"the run could not be completed here (ref {ref}); it is resumed "
                                               "from its last saved node"))
                result = None
            try:
                if result is not None:
                    lease.release()
                    if on_finished is not None:
                        on_finished(result)  # before the stream ends: a reader that saw the end sees its effect
            except Exception:  # bookkeeping after the run (is_debug_passed); the run itself is recorded
                log.exception("after workflow run %s", run_id)
            finally:
                engine.shutdown()
                if slot is not None:
                    slot.release()
                events.put(_END)

    threading.Thread(target=run, name=f"wf-run-{run_id[:8]}", daemon=True).start()
    return _read(events, keepalive_s)


def _read(events: queue.Queue, keepalive_s: float) -> Iterator[WorkflowEvent | None]:
    while True:
        try:
            event = events.get(timeout=keepalive_s)
        except queue.Empty:
            yield None
            continue
        if event is _END:
            return
        yield event

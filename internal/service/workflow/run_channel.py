"""The stream channel of workflow runs: leases (a run whose process died stops renewing its
lease, and the recovery sweep resumes it from its checkpoints) and stop flags, shared by every
process through Redis (in-process in the embedded default). Its own key prefix, so the chat
runtime's sweeper never claims a workflow run (internal/core/streaming)."""
from __future__ import annotations

import time
from dataclasses import dataclass

from internal.core.streaming import Lease, StreamChannel

KEY_PREFIX = "llmops:workflow:"
STOP_POLL_SECONDS = 0.2


class StopRequested:
    """The engine's CancelToken for one run: the channel's stop flag (any process may set it),
    read at most every STOP_POLL_SECONDS (the engine asks before every node). `unseen`: nobody
    has the run's id yet (a blocking call answers it with the result), so no stop can have been
    asked before it starts — the first read waits a poll period instead of a round trip per run."""

    def __init__(self, channel: StreamChannel, run_id: str, poll_s: float = STOP_POLL_SECONDS,
                 unseen: bool = False):
        self.channel, self.run_id, self.poll_s = channel, run_id, poll_s
        self._checked, self._stopped = (time.monotonic() if unseen else 0.0), False

    def is_cancelled(self) -> bool:
        now = time.monotonic()
        if not self._stopped and now - self._checked >= self.poll_s:
            self._checked = now
            self._stopped = self.channel.is_stop_requested(self.run_id)
        return self._stopped


@dataclass
class WorkflowRunChannel:
    channel: StreamChannel

    def stop_token(self, run_id: str, unseen: bool = False) -> StopRequested:
        return StopRequested(self.channel, run_id, unseen=unseen)

    def request_stop(self, run_id: str) -> None:
        self.channel.request_stop(run_id)

    def hold(self, run_id: str, *, new_here: bool = False) -> Lease:
        """The run's lease alone (its row has everything a resume needs: no meta, one round trip).
        `new_here`: a new run this process executes — its frames reach this process's readers
        without a read (subscribe them after this)."""
        if new_here:
            self.channel.produce_here(run_id)
        return self.channel.hold_lease(run_id)

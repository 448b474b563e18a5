"""The stream channel of workflow runs: leases (a run whose process died stops renewing its
lease, and the recovery sweep resumes it from its checkpoints) and stop flags, shared by every
process through Redis (in-process in the embedded default). Its own key prefix, so the chat
runtime's sweeper never claims a workflow run (internal/core/streaming)."""
from __future__ import annotations

from dataclasses import dataclass

from internal.core.streaming import Lease, StreamChannel

KEY_PREFIX = "llmops:workflow:"


@dataclass
class WorkflowRunChannel:
    channel: StreamChannel

    def hold(self, run_id: str, account_id: object, workflow_id: object, invoke_from: str) -> Lease:
        return self.channel.hold_lease(run_id, {"account_id": str(account_id), "workflow_id": str(workflow_id),
                                                "invoke_from": invoke_from})

"""Where a debug or API run executes once its row is written (`WORKFLOW_RUNS_ON`,
docs/workflows.md "Where runs execute"):

- `WorkerRunLauncher` (production): the Celery task `workflow.execute_run(run_id)` — ids only,
  the inputs are in the row; any worker runs it and publishes its frames to the Redis channel;
- `InProcessRunLauncher` (the embedded default): a thread of this process with its own app
  context (the request's ends when the response starts streaming), frames on the same channel;
  a blocking call's run executes on the request's own thread (`execute_here`: no hand-off, no
  frames — the request answers the result itself).

Otherwise the serving process only reads the run's channel: a client that disconnects stops
reading, never the run. In process a run holds a thread (and maybe a sandbox) here, so each
account has at most `RunSlots.limit` at once per process; on workers the worker pool bounds it."""
from __future__ import annotations

import abc
import threading

from celery import Celery

from internal.core.workflow.entities.runs import RunResult

from .app_scope import AppScope
from .run_executor import PreparedRun, WorkflowRunExecutor
from .run_slots import RunSlot, RunSlots

EXECUTE_TASK = "workflow.execute_run"


class RunLauncher(abc.ABC):
    runs_here: bool  # True: this process runs it (it holds the lease from before the first row)

    @abc.abstractmethod
    def reserve(self, account_id: object) -> RunSlot | None:
        """Before anything is written: TooManyRequestsException when this account may not start one."""

    @abc.abstractmethod
    def launch(self, run: PreparedRun, scope: AppScope) -> None:
        """`scope`: the app serving the request (the run's own app context is made from it)."""

    def execute_here(self, run: PreparedRun) -> RunResult:
        """A blocking call's run on the caller's thread (only when `runs_here`)."""
        raise NotImplementedError(f"{type(self).__name__} runs workflows elsewhere: callers check runs_here first")


class InProcessRunLauncher(RunLauncher):
    runs_here = True

    def __init__(self, executor: WorkflowRunExecutor, slots: RunSlots):
        self.executor, self.slots = executor, slots

    def reserve(self, account_id: object) -> RunSlot | None:
        return self.slots.acquire(account_id)

    def launch(self, run: PreparedRun, scope: AppScope) -> None:
        def target() -> None:
            with scope.app.app_context():
                self.executor.execute(run)

        threading.Thread(target=target, name=f"wf-run-{run.run_id[:8]}", daemon=True).start()

    def execute_here(self, run: PreparedRun) -> RunResult:
        return self.executor.execute_here(run)


class WorkerRunLauncher(RunLauncher):
    runs_here = False

    def __init__(self, celery: Celery):
        self.celery = celery

    def reserve(self, account_id: object) -> RunSlot | None:
        return None

    def launch(self, run: PreparedRun, scope: AppScope) -> None:
        self.celery.send_task(EXECUTE_TASK, args=[run.run_id], kwargs={"blocking": run.blocking})

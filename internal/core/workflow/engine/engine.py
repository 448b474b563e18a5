"""WorkflowEngine: compile a checked graph once, run it many times; resume a run from its
checkpoints.

Durability: the run header (graph, inputs, system variables) is stored before the first node
runs and every finished node's record right after it finishes, before anything downstream
starts. `resume(run_id)` reloads the records and replays the scheduler: a node with a record is
applied (its outputs and branch), never executed again; the rest runs. A node that was running
when the process died has no record and runs again (at-least-once for in-flight nodes,
exactly-once for finished ones). Turns of top-level iterations and loops are checkpointed the
same way (`<node id>#<index>`), so a long iteration resumes at the items it had not finished."""
from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from ..entities.coercion import CoercionError, coerce
from ..entities.graph import GraphIssue
from ..entities.nodes import BaseNode
from ..entities.runs import EventType, NodeRunRecord, NodeStatus, RunHeader, RunResult, RunStatus, WorkflowEvent
from ..ports import (
    CallerInfo,
    CancelToken,
    CheckpointStore,
    Clock,
    EnginePorts,
    EventSink,
    NeverCancelled,
    NullSink,
    SystemClock,
)
from ..validation import CheckedGraph, GraphValidationError, check_graph
from .context import RunContext, RunLimits
from .plan import Plan, compile_plan
from .scheduler import GraphRun


class RunNotFoundError(LookupError):
    pass


@dataclass
class CompiledWorkflow:
    checked: CheckedGraph
    plan: Plan
    raw: dict[str, Any]

    @property
    def start(self) -> BaseNode:
        return self.plan.nodes[self.plan.start_id].node

    def validate_inputs(self, inputs: Any) -> dict[str, Any]:
        """Check run inputs against the start node before a run is created (API/debug bodies):
        every issue names the input; raises GraphValidationError."""
        if not isinstance(inputs, dict):
            raise GraphValidationError([GraphIssue("the inputs must be an object", field="inputs")])
        issues, out = [], {}
        start = self.start
        for var in start.inputs:
            value = inputs.get(var.name)
            if value is None or (value == "" and var.type != "string"):
                if var.required:
                    issues.append(GraphIssue(f"the input {var.name!r} is required", node_id=start.id,
                                             node_title=start.title, field=f"inputs.{var.name}"))
                continue
            try:
                out[var.name] = coerce(value, var.type)
            except CoercionError as exc:
                issues.append(GraphIssue(str(exc), node_id=start.id, node_title=start.title,
                                         field=f"inputs.{var.name}"))
        if issues:
            raise GraphValidationError(issues)
        return out


def new_run_header(workflow: CompiledWorkflow, inputs: dict[str, Any], caller: CallerInfo, run_id: str,
                   now: float) -> RunHeader:
    """What a run stores before its first node: the graph, the inputs, the system variables."""
    system = {"run_id": run_id, "workflow_id": caller.workflow_id, "account_id": str(caller.account_id),
              "timestamp": int(now), "depth": caller.depth}
    return RunHeader(run_id, workflow.raw, dict(inputs), system)


class WorkflowEngine:
    def __init__(self, ports: EnginePorts | None = None, store: CheckpointStore | None = None,
                 clock: Clock | None = None, limits: RunLimits | None = None, max_workers: int = 16) -> None:
        self.ports = ports or EnginePorts()
        self.store = store
        self.clock = clock or SystemClock()
        self.limits = limits or RunLimits()
        self._max_workers = max_workers
        self._pool: ThreadPoolExecutor | None = None
        self._pool_lock = threading.Lock()

    def compile(self, graph: dict[str, Any] | CheckedGraph) -> CompiledWorkflow:
        """Strict-validate (unless already checked) and build the run plan."""
        checked = graph if isinstance(graph, CheckedGraph) else check_graph(graph)
        return CompiledWorkflow(checked, compile_plan(checked.graph), checked.dump())

    def _thread_pool(self) -> ThreadPoolExecutor:
        if self._pool is None:
            with self._pool_lock:
                if self._pool is None:
                    self._pool = ThreadPoolExecutor(max_workers=self._max_workers, thread_name_prefix="wf-node")
        return self._pool

    def shutdown(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)

    def run(self, workflow: CompiledWorkflow, inputs: dict[str, Any], *, caller: CallerInfo,
            run_id: str | None = None, sink: EventSink | None = None, cancel: CancelToken | None = None) -> RunResult:
        header = new_run_header(workflow, inputs, caller, run_id or str(uuid.uuid4()), self.clock.time())
        if self.store is not None:
            self.store.create_run(header)
        return self._execute(workflow, header.inputs, caller, header.run_id, header.system, sink, cancel, restored={})

    def run_saved(self, workflow: CompiledWorkflow, header: RunHeader, *, sink: EventSink | None = None,
                  cancel: CancelToken | None = None) -> RunResult:
        """A fresh run whose header the caller stored already (`new_run_header` + `store.create_run`,
        e.g. before handing the run to another thread): nothing to load, nothing restored."""
        system = header.system
        caller = CallerInfo(account_id=system.get("account_id", ""), workflow_id=system.get("workflow_id", ""),
                            run_id=header.run_id, depth=int(system.get("depth") or 0))
        return self._execute(workflow, header.inputs, caller, header.run_id, system, sink, cancel, restored={})

    def resume(self, run_id: str, *, sink: EventSink | None = None, cancel: CancelToken | None = None,
               workflow: CompiledWorkflow | None = None) -> RunResult:
        """Carry on a run from its checkpoints (e.g. on another worker after a crash)."""
        if self.store is None:
            raise RunNotFoundError("this engine has no checkpoint store")
        checkpoint = self.store.load_run(run_id)
        if checkpoint is None:
            raise RunNotFoundError(f"no run {run_id}")
        if checkpoint.result is not None:
            return checkpoint.result
        header = checkpoint.header
        workflow = workflow or self.compile(header.graph)
        system = header.system
        caller = CallerInfo(account_id=system.get("account_id", ""), workflow_id=system.get("workflow_id", ""),
                            run_id=run_id, depth=int(system.get("depth") or 0))
        restored = {r.node_id: r for r in checkpoint.records
                    if r.status != NodeStatus.SKIPPED and r.node_id in workflow.plan.nodes}
        turns = {r.node_id: r for r in checkpoint.records if r.node_id not in workflow.plan.nodes}
        return self._execute(workflow, header.inputs, caller, run_id, system, sink, cancel, restored, turns)

    def _execute(self, workflow: CompiledWorkflow, inputs: dict[str, Any], caller: CallerInfo, run_id: str,
                 system: dict[str, Any], sink: EventSink | None, cancel: CancelToken | None,
                 restored: dict[str, NodeRunRecord], turns: dict[str, NodeRunRecord] | None = None) -> RunResult:
        caller = CallerInfo(caller.account_id, caller.workflow_id, run_id, caller.depth)
        ctx = RunContext(run_id=run_id, caller=caller, ports=self.ports, sink=sink or NullSink(), clock=self.clock,
                         cancel=cancel or NeverCancelled(), limits=self.limits, system=system,
                         deadline=self.clock.monotonic() + self.limits.max_time_s, store=self.store,
                         turns=dict(turns or {}))
        t0 = self.clock.monotonic()
        ctx.emit(WorkflowEvent(EventType.RUN_STARTED, run_id, status=RunStatus.RUNNING, inputs=dict(inputs)))
        if caller.depth > self.limits.max_depth:
            outcome_error, error_node, outputs, records, stopped = (
                f"workflows call each other more than {self.limits.max_depth} levels deep", None, {}, [], False)
        else:
            graph_run = GraphRun(workflow.plan, ctx, graph_inputs=dict(inputs), parallel=self._thread_pool(),
                                 checkpoint=True, restored=restored)
            outcome = graph_run.execute()
            outcome_error, error_node, outputs = outcome.error, outcome.error_node, outcome.outputs
            records, stopped = graph_run.records, outcome.stopped
        status = RunStatus.STOPPED if stopped else (RunStatus.FAILED if outcome_error else RunStatus.SUCCEEDED)
        ran = [r for r in records if r.status != NodeStatus.SKIPPED]
        result = RunResult(run_id, status, outputs, outcome_error, error_node, self.clock.monotonic() - t0,
                           sum(r.total_tokens for r in ran), sum(r.total_price for r in ran), records)
        if self.store is not None:
            self.store.finish_run(result)
        etype = {RunStatus.SUCCEEDED: EventType.RUN_SUCCEEDED, RunStatus.FAILED: EventType.RUN_FAILED,
                 RunStatus.STOPPED: EventType.RUN_STOPPED}[status]
        ctx.closed = True  # nodes abandoned by a failure or a timeout emit nothing from now on
        ctx.emit(WorkflowEvent(etype, run_id, node_id=error_node, status=status, outputs=outputs,
                               error=outcome_error, latency=result.latency, total_tokens=result.total_tokens,
                               total_price=result.total_price), final=True)
        return result

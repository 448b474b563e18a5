"""The ready-queue scheduler of one graph (a run's top level, or one turn of a container body).

Edges carry dead-path elimination: when a node finishes, each outgoing edge is resolved as taken
or skipped (by the branch handle chosen, or the `fail` handle on an error branch). A node is
ready once all its incoming edges are resolved: it runs if at least one was taken, and is skipped
(its outgoing edges skipped in turn) if none was — so a node after a branch runs only on the path
taken and a join waits only for branches that were taken.

Independent ready nodes run in parallel on the engine's thread pool; a lone ready node runs on the
scheduler's own thread (no hand-off cost on chains). All state is touched by the scheduler thread
only: workers receive resolved inputs and hand back an attempt result.
"""
from __future__ import annotations

import logging
import queue
from collections import ChainMap, deque
from collections.abc import Mapping
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any

from ..entities.node_type import PURE_TYPES, NodeType
from ..entities.policies import FAIL_HANDLE, ErrorStrategy
from ..entities.runs import EventType, NodeRunRecord, NodeStatus, WorkflowEvent
from ..nodes.base import NodeError
from .attempts import Attempt, default_handle, default_outputs, run_with_policies
from .context import NodeContext, RunContext, resolve_inputs
from .plan import Plan, PlanNode

log = logging.getLogger(__name__)


@dataclass
class GraphOutcome:
    outputs: dict[str, Any]
    error: str | None = None
    error_node: str | None = None
    stopped: bool = False


class GraphRun:
    def __init__(self, plan: Plan, run: RunContext, *, parent_pool: Mapping | None = None,
                 parent_titles: Mapping | None = None, graph_inputs: dict[str, Any],
                 parallel: Executor | None, checkpoint: bool, restored: dict[str, NodeRunRecord] | None = None,
                 parent_node_id: str | None = None, index: int | None = None) -> None:
        self.plan, self.run, self.parallel, self.checkpoint = plan, run, parallel, checkpoint
        self.graph_inputs = graph_inputs
        self.restored = restored or {}
        self.parent_node_id, self.index = parent_node_id, index
        own: dict[str, dict[str, Any]] = {"sys": run.system}
        self.pool: Mapping[str, dict[str, Any]] = ChainMap(own, parent_pool) if parent_pool is not None else own
        self._own = own
        titles = {nid: pn.node.title for nid, pn in plan.nodes.items()}
        self.titles: Mapping[str, str] = ChainMap(titles, parent_titles) if parent_titles is not None else titles
        self.remaining = {nid: pn.in_count for nid, pn in plan.nodes.items()}
        self.taken = dict.fromkeys(plan.nodes, 0)
        self.ready: deque[str] = deque()
        self.records: list[NodeRunRecord] = []
        self.end_outputs: dict[str, Any] | None = None
        self.failure: tuple[str | None, str] | None = None
        self.stopped = False
        self.completions: queue.SimpleQueue[Attempt] = queue.SimpleQueue()

    # --- the loop ---------------------------------------------------------------------------
    def execute(self) -> GraphOutcome:
        self.ready.append(self.plan.start_id)
        running = 0
        run = self.run
        while (self.ready or running) and self.failure is None and not self.stopped:
            while self.ready and self.failure is None:
                if self.parallel is not None and running >= run.limits.max_parallel:
                    break  # wait for a slot
                if run.cancel.is_cancelled():
                    self.stopped = True
                    break
                if run.clock.monotonic() > run.deadline:
                    self.failure = (None, f"the run took longer than {run.limits.max_time_s:g} s")
                    break
                nid = self.ready.popleft()
                record = self.restored.get(nid)
                if record is not None:
                    self._apply(self.plan.nodes[nid], record)
                    continue
                if next(run.steps) >= run.limits.max_steps:
                    self.failure = (None, f"the run exceeded {run.limits.max_steps} node runs")
                    break
                started = self._start(nid)
                if started is None:
                    continue
                if self.parallel is not None and (self.ready or running):
                    running += 1
                    self.parallel.submit(self._work, nid, started)
                else:
                    self._finish(self._attempt(nid, started))
            if running and self.failure is None and not self.stopped:
                if run.cancel.is_cancelled():
                    self.stopped = True
                    break
                if run.clock.monotonic() > run.deadline:
                    self.failure = (None, f"the run took longer than {run.limits.max_time_s:g} s")
                    break
                self._flush()  # nothing held back while this run waits
                attempt = self._next_completion()
                if attempt is not None:
                    running -= 1
                    self._finish(attempt)
        if self.stopped:
            return GraphOutcome({}, error="the run was stopped", stopped=True)
        if self.failure is not None:
            node_id, error = self.failure
            return GraphOutcome({}, error=error, error_node=node_id)
        if self.end_outputs is None:
            return GraphOutcome({}, error="no path of this run reached the end node")
        return GraphOutcome(self.end_outputs)

    # --- one node ---------------------------------------------------------------------------
    def _start(self, nid: str) -> dict[str, Any] | None:
        """Resolve inputs and announce the node; an input problem fails the node right away."""
        pn = self.plan.nodes[nid]
        if pn.node.node_type not in PURE_TYPES:
            self._flush()  # what came before is durable before anything with side effects runs
        started_at = self.run.clock.time()
        try:
            inputs = resolve_inputs(pn.bindings, self.pool, self.titles, pn.lenient)
        except NodeError as exc:
            self._event(EventType.NODE_STARTED, pn, status=NodeStatus.RUNNING, inputs={})
            self._finish(Attempt(nid, {}, None, str(exc), 0.0, 1, started_at))
            return None
        if pn.node.node_type == NodeType.START:
            inputs = self.graph_inputs
        self._event(EventType.NODE_STARTED, pn, status=NodeStatus.RUNNING, inputs=inputs)
        return {"inputs": inputs, "started_at": started_at}

    def _flush(self) -> None:
        if self.checkpoint:  # the top level (a body's nodes are neither held back nor saved)
            self.run.flush()

    def _next_completion(self) -> Attempt | None:
        """Wait for a worker; wake up now and then to notice a stop or the run's deadline."""
        try:
            return self.completions.get(timeout=0.2)
        except queue.Empty:
            return None

    def _work(self, nid: str, started: dict[str, Any]) -> None:
        try:
            attempt = self._attempt(nid, started)
        except BaseException:  # never leave the scheduler waiting for this node
            log.exception("workflow node %s crashed its worker", nid)
            attempt = Attempt(nid, started["inputs"], None, "the node failed unexpectedly", 0.0, 1,
                              started["started_at"])
        self.completions.put(attempt)

    def _attempt(self, nid: str, started: dict[str, Any]) -> Attempt:
        pn = self.plan.nodes[nid]
        ctx = NodeContext(self.run, pn.node, pn.body, self.pool, self.titles, self.graph_inputs,
                          self.parent_node_id, self.index)

        def on_retry(error: str, attempt: int) -> None:
            self._event(EventType.NODE_RETRYING, pn, status=NodeStatus.RUNNING, error=error, attempt=attempt)

        return run_with_policies(pn.executor, pn.node, started["inputs"], ctx, started["started_at"], on_retry)

    # --- results ----------------------------------------------------------------------------
    def _finish(self, a: Attempt) -> None:
        pn = self.plan.nodes[a.node_id]
        node = pn.node
        now = self.run.clock.time()
        if a.outcome is not None:
            record = NodeRunRecord(node.id, node.node_type, node.title, NodeStatus.SUCCEEDED, a.inputs,
                                   a.outcome.outputs, None, a.outcome.handle, a.latency, a.attempts,
                                   a.outcome.total_tokens, a.outcome.total_price, a.started_at, now)
        else:
            outputs, handle = {}, None
            if pn.strategy == ErrorStrategy.DEFAULT_VALUE:
                outputs, handle = default_outputs(node), default_handle(node)
            elif pn.strategy == ErrorStrategy.FAIL_BRANCH:
                handle = FAIL_HANDLE
            record = NodeRunRecord(node.id, node.node_type, node.title, NodeStatus.FAILED, a.inputs, outputs,
                                   a.error, handle, a.latency, a.attempts, 0, 0.0, a.started_at, now)
        if self.checkpoint and self.run.store is not None:
            self.run.store.save_node(self.run.run_id, record)  # durable before anything downstream runs
        self._event(EventType.NODE_SUCCEEDED if record.status == NodeStatus.SUCCEEDED else EventType.NODE_FAILED,
                    pn, status=record.status, inputs=record.inputs, outputs=record.outputs, error=record.error,
                    latency=record.latency, total_tokens=record.total_tokens, total_price=record.total_price,
                    attempt=record.attempts)
        self._apply(pn, record)

    def _apply(self, pn: PlanNode, record: NodeRunRecord) -> None:
        """Make a finished (or restored) node's result visible and resolve its outgoing edges."""
        self.records.append(record)
        if record.status == NodeStatus.FAILED and self.run.cancel.is_cancelled():
            self.stopped = True  # the failure came from the stop (an interrupted retry wait)
            return
        if record.status == NodeStatus.FAILED and pn.strategy == ErrorStrategy.FAIL:
            self.failure = (pn.node.id, f"node {pn.node.title!r} failed: {record.error}")
            return
        self._own[pn.node.id] = record.outputs
        if pn.node.node_type == NodeType.END:
            self.end_outputs = record.outputs
        failed_branch = record.status == NodeStatus.FAILED and record.handle == FAIL_HANDLE
        for edge in pn.out_edges:
            if failed_branch:
                taken = edge.handle == FAIL_HANDLE
            elif pn.branching:
                taken = edge.handle == record.handle
            else:
                taken = edge.handle != FAIL_HANDLE
            self._resolve(edge.target, taken)

    def _resolve(self, target: str, taken: bool) -> None:
        self.remaining[target] -= 1
        if taken:
            self.taken[target] += 1
        if self.remaining[target] == 0:
            if self.taken[target]:
                self.ready.append(target)
            else:
                self._skip(target)

    def _skip(self, nid: str) -> None:
        pn = self.plan.nodes[nid]
        self.records.append(NodeRunRecord(nid, pn.node.node_type, pn.node.title, NodeStatus.SKIPPED))
        for edge in pn.out_edges:
            self._resolve(edge.target, False)

    def _event(self, etype: EventType, pn: PlanNode, **fields: Any) -> None:
        node = pn.node
        self.run.emit(WorkflowEvent(etype, self.run.run_id, node_id=node.id, node_type=node.node_type,
                                    title=node.title, parent_node_id=self.parent_node_id, index=self.index,
                                    **fields))

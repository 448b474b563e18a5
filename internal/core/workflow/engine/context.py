"""The state a node sees while it runs: its run (ports, caller, limits, sink, stop token) and a
way to run a container body."""
from __future__ import annotations

import itertools
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..entities.coercion import CoercionError, coerce
from ..entities.nodes import BaseNode
from ..entities.runs import EventType, NodeRunRecord, NodeStatus, WorkflowEvent
from ..entities.variables import VariableType
from ..nodes.base import NodeError, NodeInputError
from ..ports import CallerInfo, CancelToken, CheckpointStore, Clock, EnginePorts, EventSink
from .plan import Binding, Plan

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RunLimits:
    max_steps: int = 2000            # node runs per workflow run, bodies included
    max_time_s: float = 600.0        # wall clock of a run
    max_parallel: int = 8            # nodes of one run running at once (top level)
    max_depth: int = 3               # workflow-as-tool nesting


@dataclass
class RunContext:
    run_id: str
    caller: CallerInfo
    ports: EnginePorts
    sink: EventSink
    clock: Clock
    cancel: CancelToken
    limits: RunLimits
    system: dict[str, Any]
    deadline: float
    store: CheckpointStore | None = None
    steps: itertools.count = field(default_factory=itertools.count)
    # Finished turns of top-level iterations/loops ("<node id>#<index>"), from checkpoints and this run.
    turns: dict[str, NodeRunRecord] = field(default_factory=dict)

    closed: bool = False   # the run has ended: work still running in abandoned threads is silent

    def emit(self, event: WorkflowEvent, final: bool = False) -> None:
        if self.closed and not final:
            return
        try:
            self.sink.emit(event)
        except Exception:  # a broken event channel must not stop the run: records and checkpoints carry on
            log.warning("workflow run %s: event sink failed for %s", self.run_id, event.type, exc_info=True)

    def flush(self) -> None:
        """What the store and the sink hold back (pure nodes: ports.CheckpointStore) goes out —
        the records first, so a reader that saw a node's event finds its row."""
        if self.store is not None:
            self.store.flush()
        try:
            self.sink.flush()
        except Exception:
            log.warning("workflow run %s: event sink failed to flush", self.run_id, exc_info=True)


MISSING = object()


def turn_key(node_id: str, index: int) -> str:
    return f"{node_id}#{index}"


def resolve_inputs(bindings: tuple[Binding, ...], pool: Mapping[str, dict[str, Any]], titles: Mapping[str, str],
                   lenient: bool = False) -> dict[str, Any]:
    """Read each input from the outputs of the node it refers to (or its literal), coerced to its
    declared type. A missing required value is a NodeInputError, never a silent default."""
    values: dict[str, Any] = {}
    for b in bindings:
        if b.ref_node is None:
            value = b.literal
        else:
            outputs = pool.get(b.ref_node)
            value = MISSING if outputs is None else outputs.get(b.ref_var, MISSING)
            if value is MISSING:
                if lenient or not b.required:
                    values[b.name] = None
                    continue
                title = titles.get(b.ref_node, b.ref_node)
                raise NodeInputError(f"input {b.name!r}: {title!r} did not produce {b.ref_var!r} on this path")
        if value is None:
            if b.required and not lenient:
                raise NodeInputError(f"input {b.name!r} is required")
            values[b.name] = None
            continue
        if b.type is VariableType.STRING and b.ref_node is not None and not isinstance(value, str):
            values[b.name] = value  # the editor types every reference "string": keep the source's value
            continue
        try:
            values[b.name] = coerce(value, b.type)
        except CoercionError as exc:
            raise NodeInputError(f"input {b.name!r}: {exc}") from None
    return values


@dataclass
class NodeContext:
    run: RunContext
    node: BaseNode
    body: Plan | None
    pool: Mapping[str, dict[str, Any]]
    titles: Mapping[str, str]
    graph_inputs: dict[str, Any]          # the start node's values (run inputs, or a body's item)
    parent_node_id: str | None = None
    index: int | None = None
    abandoned: bool = False                # set when the node timed out: its late work is dropped

    def check_alive(self) -> None:
        """Long-running nodes call this between steps (e.g. stream chunks): a timed-out node or a
        stopped run stops spending tokens."""
        if self.abandoned or self.run.closed:
            raise NodeError("the node ran out of time")
        if self.run.cancel.is_cancelled():
            raise NodeError("the run was stopped")

    def emit_chunk(self, text: str) -> None:
        self.check_alive()
        self.run.emit(WorkflowEvent(EventType.NODE_CHUNK, self.run.run_id, node_id=self.node.id,
                                    node_type=self.node.node_type, title=self.node.title, text=text,
                                    parent_node_id=self.parent_node_id, index=self.index))

    def run_body(self, seed: dict[str, Any], index: int) -> dict[str, Any]:
        """Run this container's body once; returns the body end's outputs or raises NodeError."""
        from .scheduler import GraphRun  # the scheduler runs nodes, which run bodies

        assert self.body is not None
        durable = self.parent_node_id is None and self.run.store is not None  # top-level containers only
        key = turn_key(self.node.id, index)
        if durable and key in self.run.turns:
            return self.run.turns[key].outputs  # finished before a crash (or an earlier attempt)
        started_at = self.run.clock.time()
        body_run = GraphRun(self.body, self.run, parent_pool=self.pool, parent_titles=self.titles,
                            graph_inputs=seed, parallel=None, checkpoint=False,
                            parent_node_id=self.node.id, index=index)
        outcome = body_run.execute()
        if outcome.error is not None:
            raise NodeError(f"turn {index}: {outcome.error}" if outcome.error_node else outcome.error)
        if durable:
            record = NodeRunRecord(key, self.node.node_type, self.node.title, NodeStatus.SUCCEEDED, dict(seed),
                                   outcome.outputs, started_at=started_at, finished_at=self.run.clock.time())
            self.run.store.save_node(self.run.run_id, record)
            self.run.turns[key] = record
        return outcome.outputs

    def coerce_output(self, name: str, value: Any, vtype) -> Any:
        try:
            return coerce(value, vtype)
        except CoercionError as exc:
            raise NodeError(f"output {name!r}: {exc}") from None

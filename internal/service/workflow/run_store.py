"""The engine's CheckpointStore over the database: the run header and result in a
`workflow_result` row, each finished node run as a `workflow_node_run` row. Every write is its
own short transaction on a connection of its own and never commits anything of the caller's
session. The header and the rows of pure nodes are held back until the next write (the engine
flushes before any node with side effects starts, and before it waits): a record of a node with
side effects is committed before `save_node` returns, so its work is never repeated after a
crash, while a start → end run costs ONE transaction instead of four. The writes are prebuilt
Core statements (compiled once): about half the CPU of an ORM unit of work per write, which is
most of what a short run costs. `load_run` (a resume, and every run a worker executes from its
row) reads the same way."""
from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import bindparam, insert, select, update

from internal.core.workflow.entities.node_type import PURE_TYPES
from internal.core.workflow.entities.runs import NodeRunRecord, RunCheckpoint, RunHeader, RunResult, RunStatus
from internal.model.workflow import WorkflowNodeRun, WorkflowResult
from pkg.sqlalchemy import SQLAlchemy

from .app_scope import AppScope

_RUNS = WorkflowResult.__table__
_INSERT_RUN = insert(_RUNS)
_INSERT_NODE = insert(WorkflowNodeRun.__table__)
_FINISH_RUN = update(_RUNS).where(_RUNS.c.id == bindparam("run_id"))
_NODES = WorkflowNodeRun.__table__
_LOAD_RUN = select(_RUNS).where(_RUNS.c.id == bindparam("run_id"))
_LOAD_NODES = (select(_NODES.c.position, _NODES.c.record).where(_NODES.c.result_id == bindparam("run_id"))
               .order_by(_NODES.c.position))


class DatabaseRunStore:
    def __init__(self, db: SQLAlchemy, scope: AppScope, account_id: uuid.UUID, workflow_id: uuid.UUID,
                 invoke_from: str):
        self.db, self.scope = db, scope
        self.account_id, self.workflow_id, self.invoke_from = account_id, workflow_id, invoke_from
        self._lock = threading.Lock()
        self._saved = 0
        self._header: dict[str, Any] | None = None  # held back: the run's row, not written yet
        self._nodes: list[dict[str, Any]] = []     # held back: rows of pure nodes

    def create_run(self, header: RunHeader) -> None:
        """Held back until the run's first write (`flush`, a node with side effects, the end): a
        start → end run is one transaction. Call `flush` when another process needs the row now."""
        now = datetime.now(UTC)
        with self._lock:
            self._header = {
                "id": uuid.UUID(header.run_id), "account_id": self.account_id, "workflow_id": self.workflow_id,
                "invoke_from": self.invoke_from, "status": RunStatus.RUNNING.value, "graph": header.graph,
                "inputs": header.inputs, "system": header.system, "outputs": {}, "error": "", "error_node_id": "",
                "latency": 0.0, "total_tokens": 0, "total_price": 0.0, "finished_at": None, "created_at": now,
                "updated_at": now}

    def save_node(self, run_id: str, record: NodeRunRecord) -> None:
        now = datetime.now(UTC)
        with self._lock:
            self._saved += 1  # one store per run: the save order without a query (resume: load_run counts)
            self._nodes.append({
                "id": uuid.uuid4(), "account_id": self.account_id, "result_id": uuid.UUID(run_id),
                "position": self._saved, "node_id": record.node_id[:255], "status": str(record.status),
                "record": record.to_dict(), "created_at": now, "updated_at": now})
            if record.node_type not in PURE_TYPES:  # its work is never repeated: durable now
                self._write()

    def flush(self) -> None:
        with self._lock:
            self._write()

    @property
    def has_row(self) -> bool:
        """Whether the run's row is in the database (a sweep can resume only such a run)."""
        return self._header is None

    def finish_run(self, result: RunResult) -> None:
        now = datetime.now(UTC)
        values = {"status": str(result.status), "outputs": result.outputs, "error": result.error or "",
                  "error_node_id": (result.error_node_id or "")[:255], "latency": result.latency,
                  "total_tokens": result.total_tokens, "total_price": result.total_price, "finished_at": now,
                  "updated_at": now}
        with self._lock:
            if self._header is not None:  # never written: the row goes in as it ended
                self._header.update(values)
                self._write()
            else:
                self._write({"run_id": uuid.UUID(result.run_id), **values})

    def _write(self, finish: dict[str, Any] | None = None) -> None:
        """(under the lock) What is held back, and the end, in one transaction."""
        if self._header is None and not self._nodes and finish is None:
            return
        with self.scope(), self.db.engine.begin() as conn:
            if self._header is not None:
                conn.execute(_INSERT_RUN, self._header)
            if len(self._nodes) == 1:
                conn.execute(_INSERT_NODE, self._nodes[0])
            elif self._nodes:  # one multi-row INSERT (an executemany is a pipeline of one per row)
                conn.execute(insert(_NODES).values(self._nodes))
            if finish is not None:
                conn.execute(_FINISH_RUN, finish)
        self._header, self._nodes = None, []

    def load_run(self, run_id: str) -> RunCheckpoint | None:
        key = uuid.UUID(run_id)
        with self._lock, self.scope(), self.db.engine.connect() as conn:  # Core reads, as the writes
            row = conn.execute(_LOAD_RUN, {"run_id": key}).first()
            if row is None or row.account_id != self.account_id:
                return None
            nodes = conn.execute(_LOAD_NODES, {"run_id": key}).all()
        checkpoint = RunCheckpoint(RunHeader(run_id, row.graph, row.inputs, row.system),
                                   [NodeRunRecord.from_dict(n.record) for n in nodes])
        self._saved = max(self._saved, max((n.position for n in nodes), default=0))
        if row.status != RunStatus.RUNNING.value:
            checkpoint.result = RunResult(run_id, RunStatus(row.status), row.outputs, row.error or None,
                                          row.error_node_id or None, row.latency, row.total_tokens,
                                          row.total_price, list(checkpoint.records))
        return checkpoint

"""Run-time records: node run records (checkpointed), events (streamed), the run header and the
run result. All are plain dataclasses with `to_dict`/`from_dict` so stores and channels can keep
them as JSON."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from enum import StrEnum
from typing import Any


class NodeStatus(StrEnum):
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    SKIPPED = "skipped"


class RunStatus(StrEnum):
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    STOPPED = "stopped"


class EventType(StrEnum):
    RUN_STARTED = "run_started"
    RUN_SUCCEEDED = "run_succeeded"
    RUN_FAILED = "run_failed"
    RUN_STOPPED = "run_stopped"
    NODE_STARTED = "node_started"
    NODE_SUCCEEDED = "node_succeeded"
    NODE_FAILED = "node_failed"
    NODE_RETRYING = "node_retrying"
    NODE_CHUNK = "node_chunk"          # streamed LLM text (`text`)


@dataclass
class NodeRunRecord:
    node_id: str
    node_type: str
    title: str
    status: NodeStatus
    inputs: dict[str, Any] = field(default_factory=dict)
    outputs: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    handle: str | None = None          # the branch taken (case id, class id, "fail")
    latency: float = 0.0               # seconds, all attempts
    attempts: int = 1
    total_tokens: int = 0
    total_price: float = 0.0
    started_at: float = 0.0            # UNIX seconds
    finished_at: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        """Its own dicts copied one level (a store may encode it later; nodes never change the
        values inside an output): `asdict`'s deep copy was ~5 % of a short API run's CPU."""
        data = {k: getattr(self, k) for k in _RECORD_FIELDS}
        data["inputs"], data["outputs"] = dict(self.inputs), dict(self.outputs)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> NodeRunRecord:
        return cls(**{**data, "status": NodeStatus(data["status"])})


@dataclass
class WorkflowEvent:
    type: EventType
    run_id: str
    node_id: str | None = None
    node_type: str | None = None
    title: str | None = None
    status: str | None = None
    inputs: dict[str, Any] | None = None
    outputs: dict[str, Any] | None = None
    error: str | None = None
    latency: float = 0.0
    total_tokens: int = 0
    total_price: float = 0.0
    attempt: int = 0
    text: str | None = None
    parent_node_id: str | None = None  # set for nodes inside an iteration/loop body
    index: int | None = None           # the item / turn of that body

    def to_dict(self) -> dict[str, Any]:
        """Shallow (the values are the event's own): an event is encoded as soon as it is emitted."""
        return {k: v for k in _EVENT_FIELDS if (v := getattr(self, k)) is not None}


_EVENT_FIELDS = tuple(f.name for f in fields(WorkflowEvent))
_RECORD_FIELDS = tuple(f.name for f in fields(NodeRunRecord))


@dataclass
class RunHeader:
    """What `resume` needs to carry on: the graph as saved, the inputs and the system variables."""
    run_id: str
    graph: dict[str, Any]
    inputs: dict[str, Any]
    system: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunHeader:
        return cls(**data)


@dataclass
class RunResult:
    run_id: str
    status: RunStatus
    outputs: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    error_node_id: str | None = None
    latency: float = 0.0
    total_tokens: int = 0
    total_price: float = 0.0
    node_records: list[NodeRunRecord] = field(default_factory=list)

    @property
    def succeeded(self) -> bool:
        return self.status == RunStatus.SUCCEEDED

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunResult:
        records = [NodeRunRecord.from_dict(r) for r in data.get("node_records", [])]
        return cls(**{**data, "status": RunStatus(data["status"]), "node_records": records})


@dataclass
class RunCheckpoint:
    header: RunHeader
    records: list[NodeRunRecord] = field(default_factory=list)
    result: RunResult | None = None

"""Ports: everything the engine needs from outside, as small Protocols. The service layer binds
real implementations (the model gateway's RoutedChatModel, the tool resolver, the retrieval
service, the SSRF-guarded HTTP client, the code sandbox, a database checkpoint store, the
Redis event channel); tests bind fakes. A port signals a failure whose message is safe to show
by raising `PortError`; anything else becomes a generic node error with a log reference."""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any, Protocol

from langchain_core.language_models import BaseChatModel

from internal.core.tools.base import ToolResolver

from .entities.nodes import ModelConfig
from .entities.runs import NodeRunRecord, RunCheckpoint, RunHeader, RunResult, WorkflowEvent


class PortError(Exception):
    """A failure outside the engine whose message can be shown to the user as the node error."""


@dataclass(frozen=True)
class CallerInfo:
    """Who runs the workflow (for credentials, quotas, tenant checks inside ports)."""
    account_id: str
    workflow_id: str = ""
    run_id: str = ""
    depth: int = 0


class ChatModelFactory(Protocol):
    def create(self, config: ModelConfig, caller: CallerInfo) -> BaseChatModel: ...

    def price(self, config: ModelConfig, input_tokens: int, output_tokens: int) -> float: ...


@dataclass(frozen=True)
class RetrievalQuery:
    query: str
    dataset_ids: tuple[str, ...]
    strategy: str
    k: int
    score: float
    caller: CallerInfo


@dataclass
class RetrievedChunk:
    content: str
    score: float = 0.0
    dataset_id: str = ""
    document_id: str = ""
    segment_id: str = ""


class DatasetRetriever(Protocol):
    def retrieve(self, query: RetrievalQuery) -> list[RetrievedChunk]: ...


@dataclass(frozen=True)
class HttpCall:
    method: str
    url: str
    headers: dict[str, str] = field(default_factory=dict)
    params: dict[str, str] = field(default_factory=dict)
    json_body: dict[str, Any] | None = None
    timeout_s: float = 10.0
    max_response_bytes: int = 1_048_576


@dataclass
class HttpReply:
    status_code: int
    text: str


class HttpClient(Protocol):
    """Implemented over pkg/ssrf: resolves and blocks private addresses, no redirects to blocked
    hosts, enforces the timeout and the size cap (raising PortError when exceeded)."""

    def request(self, call: HttpCall) -> HttpReply: ...


@dataclass(frozen=True)
class CodeLimits:
    timeout_s: float = 10.0
    memory_mb: int = 256
    max_output_bytes: int = 1_048_576


class CodeRunner(Protocol):
    """Runs `main(params)` of `code` in the sandbox (pkg/sandbox), never in this process; returns
    main's dict. Raises PortError with the user-facing reason (syntax error, limit hit, ...)."""

    def run(self, code: str, inputs: dict[str, Any], limits: CodeLimits) -> dict[str, Any]: ...


class CheckpointStore(Protocol):
    """Durability: the header when a run starts, each finished node, the final result. A store
    must make `save_node` durable before returning (the engine then treats the node as done) —
    except that it may hold back the header and the records of pure nodes
    (`node_type.PURE_TYPES`: running one again after a crash is harmless) until the next
    `flush`, the next record of another node, or `finish_run`. The engine flushes before a node
    with side effects starts and before it waits for parallel nodes, so nothing is held back
    while the run waits on anything."""

    def create_run(self, header: RunHeader) -> None: ...

    def save_node(self, run_id: str, record: NodeRunRecord) -> None: ...

    def flush(self) -> None: ...

    def finish_run(self, result: RunResult) -> None: ...

    def load_run(self, run_id: str) -> RunCheckpoint | None: ...


class EventSink(Protocol):
    """Receives events from the engine's threads (must be thread-safe). A sink may hold back the
    top-level events of pure nodes (to send them together) until `flush`, its next other event,
    or the run's final event; the engine flushes where the store flushes."""

    def emit(self, event: WorkflowEvent) -> None: ...

    def flush(self) -> None: ...


class Clock(Protocol):
    def time(self) -> float: ...

    def monotonic(self) -> float: ...

    def sleep(self, seconds: float) -> None: ...


class CancelToken(Protocol):
    """Checked before each node starts (and during retry waits and while waiting for running
    nodes). A cross-process stop implements it over a shared flag (Redis) and should cache the
    answer for a few milliseconds: it is read once per node."""

    def is_cancelled(self) -> bool: ...


@dataclass
class EnginePorts:
    chat_models: ChatModelFactory | None = None
    tools: ToolResolver | None = None
    retriever: DatasetRetriever | None = None
    http: HttpClient | None = None
    code_runner: CodeRunner | None = None


# --- in-process implementations (the embedded default and tests) ---------------------------

class SystemClock:
    def time(self) -> float:
        return time.time()

    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


class StopFlag:
    """An in-process cancel token."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    def is_cancelled(self) -> bool:
        return self._event.is_set()


class NeverCancelled:
    def is_cancelled(self) -> bool:
        return False


class NullSink:
    def emit(self, event: WorkflowEvent) -> None:
        pass

    def flush(self) -> None:
        pass


class ListSink:
    """Collects events in order (thread-safe: list.append is atomic)."""

    def __init__(self) -> None:
        self.events: list[WorkflowEvent] = []

    def emit(self, event: WorkflowEvent) -> None:
        self.events.append(event)

    def flush(self) -> None:
        pass  # nothing held back


class InMemoryCheckpointStore:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._runs: dict[str, RunCheckpoint] = {}

    def create_run(self, header: RunHeader) -> None:
        with self._lock:
            self._runs[header.run_id] = RunCheckpoint(header=header)

    def save_node(self, run_id: str, record: NodeRunRecord) -> None:
        with self._lock:
            self._runs[run_id].records.append(record)

    def flush(self) -> None:
        pass  # nothing is held back in memory

    def finish_run(self, result: RunResult) -> None:
        with self._lock:
            self._runs[result.run_id].result = result

    def load_run(self, run_id: str) -> RunCheckpoint | None:
        with self._lock:
            cp = self._runs.get(run_id)
            return None if cp is None else RunCheckpoint(cp.header, list(cp.records), cp.result)

"""Running one node under its policies: the timeout, the retries (with their interval, cut short
by a stop) and, when it still fails, the outputs the error policy gives it."""
from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from ..entities.coercion import CoercionError, coerce, default_for
from ..entities.node_type import NodeType
from ..entities.nodes import BaseNode
from ..entities.outputs import produced_outputs
from ..nodes.base import Executor, NodeError, NodeOutcome
from .context import NodeContext, RunContext

log = logging.getLogger(__name__)


class NodeTimeout(NodeError):
    pass


@dataclass(slots=True)
class Attempt:
    """The result of running a node (all its tries)."""
    node_id: str
    inputs: dict[str, Any]
    outcome: NodeOutcome | None
    error: str | None
    latency: float
    attempts: int
    started_at: float


def call_with_timeout(fn, timeout_s: float):
    """Run fn on a helper thread and give up after timeout_s. Python cannot kill a thread: the
    late result is dropped; ports bound their own work with the same deadline."""
    box: dict[str, Any] = {}

    def target():
        try:
            box["result"] = fn()
        except BaseException as exc:  # handed to the caller below
            box["error"] = exc

    thread = threading.Thread(target=target, name="wf-node-timeout", daemon=True)
    thread.start()
    thread.join(timeout_s)
    if thread.is_alive():
        raise NodeTimeout(f"the node did not finish within {timeout_s:g} s")
    if "error" in box:
        raise box["error"]
    return box["result"]


def run_with_policies(executor: Executor, node: BaseNode, inputs: dict[str, Any], ctx: NodeContext,
                      started_at: float, on_retry: Callable[[str, int], None]) -> Attempt:
    run = ctx.run
    t0 = time.perf_counter()
    retry = node.retry
    attempt = 0
    while True:
        attempt += 1
        try:
            if node.timeout_s is not None:
                attempt_ctx = replace(ctx)  # its own `abandoned` flag
                try:
                    outcome = call_with_timeout(lambda c=attempt_ctx: executor(node, inputs, c), node.timeout_s)
                except NodeTimeout:
                    attempt_ctx.abandoned = True
                    raise
            else:
                outcome = executor(node, inputs, ctx)
            return Attempt(node.id, inputs, outcome, None, time.perf_counter() - t0, attempt, started_at)
        except NodeError as exc:
            error, retryable = str(exc) or type(exc).__name__, exc.retryable
        except Exception:
            ref = uuid.uuid4().hex[:8]
            log.exception("workflow node %s (%s) failed unexpectedly (ref %s)", node.id, node.node_type, ref)
            error, retryable = f"the node failed unexpectedly (ref {ref})", True
        if not retryable or attempt > retry.max_retries or run.cancel.is_cancelled():
            return Attempt(node.id, inputs, None, error, time.perf_counter() - t0, attempt, started_at)
        on_retry(error, attempt)
        _wait(run, retry.interval_ms / 1000)
        if run.cancel.is_cancelled():  # stopped while waiting: no further attempt
            return Attempt(node.id, inputs, None, error, time.perf_counter() - t0, attempt, started_at)


def _wait(run: RunContext, seconds: float) -> None:
    end = run.clock.monotonic() + seconds
    while not run.cancel.is_cancelled():
        left = end - run.clock.monotonic()
        if left <= 0:
            return
        run.clock.sleep(min(left, 0.05))


def default_outputs(node: BaseNode) -> dict[str, Any]:
    """The `default_value` policy's outputs: the given defaults, typed; the type's zero value for the rest."""
    given = node.error_policy.default_outputs
    out = {}
    for name, vtype in produced_outputs(node).items():
        try:
            out[name] = coerce(given[name], vtype) if name in given else default_for(vtype)
        except CoercionError:
            out[name] = default_for(vtype)
    return out


def default_handle(node: BaseNode) -> str | None:
    """The branch a branching node takes when it fails under the `default_value` policy."""
    if node.node_type == NodeType.IF_ELSE:
        return "else"
    if node.node_type == NodeType.QUESTION_CLASSIFIER and node.classes:
        return node.classes[0].id
    return None

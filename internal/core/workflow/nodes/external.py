"""Nodes that call out through a port: tool, dataset retrieval, code, HTTP request."""
from __future__ import annotations

import uuid
from typing import Any

from internal.core.tools.base import ToolCallContext, ToolError, ToolLimits

from ..entities.coercion import to_string
from ..entities.nodes import BaseNode
from ..ports import CodeLimits, HttpCall, PortError, RetrievalQuery
from ..validation.references import tool_ref_of
from .base import NodeError, NodeOutcome

DEFAULT_TOOL_TIMEOUT_S = 30.0
DEFAULT_CODE_TIMEOUT_S = 10.0
DEFAULT_HTTP_TIMEOUT_S = 10.0


def _port(ctx, name: str, what: str):
    port = getattr(ctx.run.ports, name)
    if port is None:
        raise NodeError(f"{what} is not available on this server")
    return port


def run_tool(node: BaseNode, inputs: dict[str, Any], ctx) -> NodeOutcome:
    resolver = _port(ctx, "tools", "the tool service")
    caller = ctx.run.caller
    try:
        account = uuid.UUID(str(caller.account_id))
    except ValueError:
        raise NodeError("the run has no valid account") from None
    call_ctx = ToolCallContext(account_id=account, depth=caller.depth + 1,
                               extra={"workflow_id": caller.workflow_id, "run_id": ctx.run.run_id})
    try:
        tool = resolver.resolve(tool_ref_of(node), call_ctx)  # another tenant's id: ToolNotFoundError
    except ToolError as exc:
        raise NodeError(str(exc)) from None
    # `params` are the tool's settings (the resolver builds the tool with them, as the course's
    # builtin tools take them at construction); the inputs are the call's arguments.
    arguments = {k: v for k, v in inputs.items() if v is not None}
    result = tool.invoke(arguments, ToolLimits(timeout_s=node.timeout_s or DEFAULT_TOOL_TIMEOUT_S))
    if not result.ok:
        raise NodeError(result.text)
    return NodeOutcome({"text": result.text})


def run_dataset_retrieval(node: BaseNode, inputs: dict[str, Any], ctx) -> NodeOutcome:
    retriever = _port(ctx, "retriever", "knowledge retrieval")
    cfg = node.retrieval_config
    query = RetrievalQuery(query=str(inputs.get("query") or ""), dataset_ids=tuple(node.dataset_ids),
                           strategy=cfg.retrieval_strategy, k=cfg.k, score=cfg.score, caller=ctx.run.caller)
    try:
        chunks = retriever.retrieve(query)
    except PortError as exc:
        raise NodeError(str(exc)) from None
    return NodeOutcome({"combine_documents": "\n\n".join(c.content for c in chunks)})


def run_code(node: BaseNode, inputs: dict[str, Any], ctx) -> NodeOutcome:
    runner = _port(ctx, "code_runner", "the code sandbox")
    limits = CodeLimits(timeout_s=node.timeout_s or DEFAULT_CODE_TIMEOUT_S)
    try:
        result = runner.run(node.code, dict(inputs), limits)
    except PortError as exc:
        raise NodeError(str(exc)) from None
    if not isinstance(result, dict):
        raise NodeError("main() must return a dict")
    outputs = {}
    for var in node.outputs:
        if var.name not in result:
            raise NodeError(f"main() returned no {var.name!r}")
        outputs[var.name] = ctx.coerce_output(var.name, result[var.name], var.type)
    return NodeOutcome(outputs)


def run_http_request(node: BaseNode, inputs: dict[str, Any], ctx) -> NodeOutcome:
    client = _port(ctx, "http", "outbound HTTP")
    parts: dict[str, dict[str, Any]] = {"params": {}, "headers": {}, "body": {}}
    for var in node.inputs:
        value = inputs.get(var.name)
        if value is None:
            continue
        kind = var.meta.get("type", "params")
        parts[kind][var.name] = value if kind == "body" else to_string(value)
    method = node.method.upper()
    body = parts["body"] if parts["body"] or method in ("POST", "PUT", "PATCH") else None
    call = HttpCall(method=method, url=node.url.strip(), headers=parts["headers"], params=parts["params"],
                    json_body=body, timeout_s=node.timeout_s or DEFAULT_HTTP_TIMEOUT_S,
                    max_response_bytes=node.max_response_bytes)
    try:
        reply = client.request(call)
    except PortError as exc:
        raise NodeError(str(exc)) from None
    return NodeOutcome({"status_code": int(reply.status_code), "text": reply.text})

"""ToolType.WORKFLOW: a published workflow as a tool, for the tool node of other workflows (and
for agents, whose builder passes `ToolRef(type=workflow, provider_id=<id>)`).

Resolution loads the workflow through `get_owned` (another tenant's or an unpublished one is
"not found", like a missing id) and compiles its published graph; the tool's name is
`wf_<tool_call_name>`, its input schema the start node's inputs. A call runs the graph in
process with the caller's depth (`ToolCallContext.depth`, which the tool node raises by one), so
workflows calling each other stop at the engine's `max_depth`; the run's time limit is what is
left of the call's deadline. Nested runs are not recorded as runs of their own (the calling
node's record holds the result)."""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from injector import ProviderOf, inject

from internal.core.tools.base import Deadline, Tool, ToolCallContext, ToolError, ToolLimits, ToolNotFoundError, ToolRef
from internal.core.workflow.engine import CompiledWorkflow, RunLimits
from internal.core.workflow.ports import CallerInfo
from internal.core.workflow.validation import GraphValidationError
from internal.entity.workflow_entity import WorkflowStatus
from internal.exception import NotFoundException
from internal.model.workflow import Workflow
from internal.service.base_service import get_owned
from pkg.sqlalchemy import SQLAlchemy

from .app_scope import AppScope
from .compiled_graphs import CompiledGraphs
from .engine_factory import WorkflowEngineFactory

_JSON_TYPES = {"string": "string", "int": "integer", "float": "number", "boolean": "boolean", "object": "object"}


def input_schema(compiled: CompiledWorkflow) -> dict[str, Any]:
    properties: dict[str, Any] = {}
    for var in compiled.start.inputs:
        kind = str(var.type)
        schema: dict[str, Any] = {"type": "array"} if kind.startswith("list[") else {"type": _JSON_TYPES.get(kind, "string")}
        if var.description:
            schema["description"] = var.description
        properties[var.name] = schema
    return {"type": "object", "properties": properties,
            "required": [v.name for v in compiled.start.inputs if v.required]}


class WorkflowTool(Tool):
    def __init__(self, workflow_id: uuid.UUID, tool_call_name: str, description: str, compiled: CompiledWorkflow,
                 ctx: ToolCallContext, engines: WorkflowEngineFactory, scope: AppScope, limits: ToolLimits):
        super().__init__(f"wf_{tool_call_name}"[:64], description, input_schema(compiled), limits)
        self.workflow_id, self.compiled, self.ctx, self.engines, self.scope = workflow_id, compiled, ctx, engines, scope

    def _run(self, arguments: dict[str, Any], deadline: Deadline) -> Any:
        try:
            values = self.compiled.validate_inputs(arguments)
        except GraphValidationError as err:
            raise ToolError(err.message) from None
        engine = self.engines.build(self.scope, limits=RunLimits(max_time_s=max(0.1, deadline.remaining())))
        try:
            result = engine.run(self.compiled, values, caller=CallerInfo(str(self.ctx.account_id), str(self.workflow_id),
                                                                          depth=self.ctx.depth))
        finally:
            engine.shutdown()
        if not result.succeeded:
            raise ToolError(f"the workflow failed: {result.error or result.status}")
        return result.outputs


@inject
@dataclass
class WorkflowToolSource:
    db: SQLAlchemy
    # lazily: the engine's own tool port is the resolver that holds this source
    engines: ProviderOf[WorkflowEngineFactory]
    compiled: CompiledGraphs

    def resolve(self, ref: ToolRef, ctx: ToolCallContext, limits: ToolLimits) -> Tool:
        try:
            workflow = get_owned(self.db, Workflow, ref.provider_id, ctx.account_id)
        except NotFoundException:
            raise ToolNotFoundError("workflow not found") from None
        if workflow.status != WorkflowStatus.PUBLISHED.value or not workflow.graph:
            raise ToolNotFoundError("workflow not found")
        try:
            compiled = self.compiled.get(workflow.id, workflow.published_at, workflow.graph)
        except GraphValidationError as err:
            raise ToolError(f"the workflow cannot run: {err.message}") from None
        return WorkflowTool(workflow.id, workflow.tool_call_name, workflow.description or workflow.name, compiled, ctx,
                            self.engines.get(), AppScope.current(), limits)

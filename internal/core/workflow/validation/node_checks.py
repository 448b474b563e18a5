"""Per-node-type checks of the strict validator: the fields a runnable node must have filled in."""
from __future__ import annotations

import ast
import re
from collections.abc import Callable
from urllib.parse import urlsplit

from internal.core.tools.base import ToolType

from ..entities.coercion import CoercionError, coerce
from ..entities.conditions import UNARY_OPERATORS, ConditionGroup, parse_operator
from ..entities.graph import GraphIssue
from ..entities.node_type import NodeType
from ..entities.nodes import BaseNode, ModelConfig
from ..entities.outputs import produced_outputs
from ..entities.policies import ErrorStrategy
from ..entities.variables import VARIABLE_NAME_PATTERN, Variable, VariableType
from ..template import template_problem, template_variables
from .draft import node_issue

_NAME = re.compile(VARIABLE_NAME_PATTERN)
HTTP_METHODS = {"get", "post", "put", "patch", "delete", "head", "options"}
HTTP_INPUT_KINDS = {"params", "headers", "body"}
NODE_TOOL_TYPES = {ToolType.BUILTIN, ToolType.API, ToolType.MCP, ToolType.WORKFLOW}
RETRIEVAL_STRATEGIES = {"semantic", "full_text", "hybrid"}
NUMERIC = {VariableType.INT, VariableType.FLOAT}

Issues = list[GraphIssue]


def check_variables(node: BaseNode, key: str, out: Issues) -> None:
    seen: set[str] = set()
    for i, var in enumerate(getattr(node, key)):
        field = f"{key}[{i}].name"
        if not _NAME.match(var.name):
            out.append(node_issue(node, field, "a variable name is letters, digits and _, not starting with a digit"))
        elif var.name in seen:
            out.append(node_issue(node, field, f"the name {var.name!r} is used twice"))
        seen.add(var.name)
        if var.value is not None and var.value.type == "literal":
            if var.value.content in ("", None) and not var.required and var.type != VariableType.STRING:
                continue
            try:
                coerce(var.value.content, var.type)
            except CoercionError as exc:
                out.append(node_issue(node, f"{key}[{i}].value.content", f"the literal is not of type {var.type}: {exc}"))


def _require(node: BaseNode, out: Issues, field: str, value, message: str) -> None:
    if not value:
        out.append(node_issue(node, field, message))


def _model(node: BaseNode, cfg: ModelConfig, out: Issues) -> None:
    _require(node, out, "model_config.provider", cfg.provider.strip(), "choose a model provider")
    _require(node, out, "model_config.model", cfg.model.strip(), "choose a model")


def _input_named(node: BaseNode, name: str, out: Issues, types: set[VariableType] | None = None) -> Variable | None:
    for var in node.inputs:
        if var.name == name:
            if types and var.type not in types:
                out.append(node_issue(node, "inputs", f"the input {name!r} must be of type "
                                      + " or ".join(sorted(types))))
            return var
    out.append(node_issue(node, "inputs", f"an input named {name!r} is required"))
    return None


def _template(node: BaseNode, field: str, source: str, out: Issues) -> None:
    problem = template_problem(source)
    if problem:
        out.append(node_issue(node, field, problem))
        return
    declared = {v.name for v in node.inputs}
    for name in sorted(template_variables(source) - declared):
        out.append(node_issue(node, field, f"the template uses {name!r}, which is not an input of this node"))


def check_conditions(node: BaseNode, group: ConditionGroup, field: str, names: dict[str, VariableType],
                     out: Issues) -> None:
    for j, cond in enumerate(group.conditions):
        at = f"{field}.conditions[{j}]"
        op = parse_operator(cond.comparison_operator)
        if op is None:
            out.append(node_issue(node, f"{at}.comparison_operator",
                                  f"unknown comparison operator {cond.comparison_operator!r}"))
        if cond.variable not in names:
            out.append(node_issue(node, f"{at}.variable", f"{cond.variable!r} is not an input of this node"))
            continue
        if op is None or op in UNARY_OPERATORS:
            continue
        if cond.value is None:
            out.append(node_issue(node, f"{at}.value", "this operator needs a value to compare with"))
        elif op.value in "=≠><≥≤" and names[cond.variable] in NUMERIC:
            try:
                coerce(cond.value, VariableType.FLOAT)
            except CoercionError as exc:
                out.append(node_issue(node, f"{at}.value", f"compare a number with a number: {exc}"))


def _llm(node, out):
    _require(node, out, "prompt", node.prompt.strip(), "the prompt is empty")
    _model(node, node.llm_config, out)
    if node.prompt.strip():
        _template(node, "prompt", node.prompt, out)


def _template_transform(node, out):
    _require(node, out, "template", node.template.strip(), "the template is empty")
    if node.template.strip():
        _template(node, "template", node.template, out)


def _tool(node, out):
    if node.tool_type not in NODE_TOOL_TYPES:
        out.append(node_issue(node, "tool_type", "choose a tool (builtin_tool, api_tool, mcp_tool or workflow)"))
    _require(node, out, "provider_id", node.provider_id.strip(), "choose a tool provider")
    if node.tool_type != ToolType.WORKFLOW:
        _require(node, out, "tool_id", node.tool_id.strip(), "choose a tool")
    for field in ("provider_id", "tool_id"):
        if len(getattr(node, field)) > 255:
            out.append(node_issue(node, field, "at most 255 characters"))


def _dataset(node, out):
    _require(node, out, "dataset_ids", node.dataset_ids, "choose at least one knowledge base")
    if [v.name for v in node.inputs] != ["query"]:
        out.append(node_issue(node, "inputs", "the inputs are exactly one variable named 'query'"))
    cfg = node.retrieval_config
    if cfg.retrieval_strategy not in RETRIEVAL_STRATEGIES:
        out.append(node_issue(node, "retrieval_config.retrieval_strategy", "use semantic, full_text or hybrid"))
    if not 1 <= cfg.k <= 10:
        out.append(node_issue(node, "retrieval_config.k", "k is between 1 and 10"))
    if not 0 <= cfg.score <= 1:
        out.append(node_issue(node, "retrieval_config.score", "score is between 0 and 1"))


def _http(node, out):
    parts = urlsplit(node.url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        out.append(node_issue(node, "url", "the URL must be an absolute http(s) URL"))
    if node.method.lower() not in HTTP_METHODS:
        out.append(node_issue(node, "method", f"unknown HTTP method {node.method!r}"))
    for i, var in enumerate(node.inputs):
        kind = var.meta.get("type")
        if not isinstance(kind, str) or kind not in HTTP_INPUT_KINDS:
            out.append(node_issue(node, f"inputs[{i}].meta.type", "each input is a params, headers or body value"))


def _code(node, out):
    if not node.code.strip():
        out.append(node_issue(node, "code", "the code is empty"))
        return
    try:
        tree = ast.parse(node.code)  # syntax only; the code itself runs in the sandbox
    except SyntaxError as exc:
        out.append(node_issue(node, "code", f"syntax error on line {exc.lineno}: {exc.msg}"))
        return
    if not any(isinstance(s, ast.FunctionDef) and s.name == "main" for s in tree.body):
        out.append(node_issue(node, "code", "the code must define a top-level function main(params)"))
    _require(node, out, "outputs", node.outputs, "declare at least one output")


def _if_else(node, out):
    _require(node, out, "cases", node.cases, "add at least one case")
    names = {v.name: v.type for v in node.inputs}
    seen: set[str] = set()
    for i, case in enumerate(node.cases):
        if not case.id or case.id in ("else", "fail") or case.id in seen:
            out.append(node_issue(node, f"cases[{i}].id", "each case needs its own id (not 'else' or 'fail')"))
        seen.add(case.id)
        if not case.conditions:
            out.append(node_issue(node, f"cases[{i}].conditions", "a case needs at least one condition"))
        check_conditions(node, case, f"cases[{i}]", names, out)


def _classifier(node, out):
    _model(node, node.llm_config, out)
    _input_named(node, "query", out)
    _require(node, out, "classes", node.classes, "add at least one class")
    seen: set[str] = set()
    for i, cls in enumerate(node.classes):
        if not cls.id or cls.id == "fail" or cls.id in seen:
            out.append(node_issue(node, f"classes[{i}].id", "each class needs its own id"))
        seen.add(cls.id)
        _require(node, out, f"classes[{i}].name", cls.name.strip(), "name the class")


def _extractor(node, out):
    _model(node, node.llm_config, out)
    _input_named(node, "query", out)
    _require(node, out, "outputs", node.outputs, "declare the parameters to extract as outputs")


def _assigner(node, out):
    _require(node, out, "inputs", node.inputs, "add at least one variable to assign")


def _aggregator(node, out):
    _require(node, out, "inputs", node.inputs, "add the variables to aggregate")
    for i, var in enumerate(node.inputs):
        if var.ref is None:
            out.append(node_issue(node, f"inputs[{i}].value", "aggregated variables are references"))
    if len(node.outputs) > 1:
        out.append(node_issue(node, "outputs", "an aggregator has one output"))


def _list_operator(node, out):
    items = _input_named(node, "items", out)
    if items is not None and not items.type.is_list:
        out.append(node_issue(node, "inputs", "the input 'items' must be a list type"))
    if node.filter.enabled:
        element = items.type.element if items is not None else VariableType.OBJECT
        keys = {c.variable: (element if c.variable == "" else VariableType.STRING) for c in node.filter.conditions}
        check_conditions(node, node.filter, "filter", keys, out)
    if node.slice.enabled and node.slice.limit is None and node.slice.offset == 0:
        out.append(node_issue(node, "slice", "set an offset or a limit"))


def _iteration(node, out):
    items = _input_named(node, "items", out)
    if items is not None and not items.type.is_list:
        out.append(node_issue(node, "inputs", "the input 'items' must be a list type"))
    for i, var in enumerate(node.outputs):
        if not var.type.is_list:
            out.append(node_issue(node, f"outputs[{i}].type", "an iteration output is a list (one value per item)"))


def _loop(node, out):
    names = {v.name: v.type for v in node.inputs}
    check_conditions(node, node.break_conditions, "break_conditions", names, out)
    for i, var in enumerate(node.outputs):
        if var.name not in names:
            out.append(node_issue(node, f"outputs[{i}].name", "a loop output is one of its loop variables (inputs)"))


def check_error_policy(node: BaseNode, out: Issues) -> None:
    policy = node.error_policy
    if policy.strategy != ErrorStrategy.DEFAULT_VALUE:
        return
    produced = produced_outputs(node)
    for name, value in policy.default_outputs.items():
        if name not in produced:
            out.append(node_issue(node, f"error_policy.default_outputs.{name}", "not an output of this node"))
            continue
        try:
            coerce(value, produced[name])
        except CoercionError as exc:
            out.append(node_issue(node, f"error_policy.default_outputs.{name}", str(exc)))


NODE_CHECKS: dict[str, Callable[[BaseNode, Issues], None]] = {
    NodeType.LLM: _llm, NodeType.TEMPLATE_TRANSFORM: _template_transform, NodeType.TOOL: _tool,
    NodeType.DATASET_RETRIEVAL: _dataset, NodeType.HTTP_REQUEST: _http, NodeType.CODE: _code,
    NodeType.IF_ELSE: _if_else, NodeType.QUESTION_CLASSIFIER: _classifier,
    NodeType.PARAMETER_EXTRACTOR: _extractor, NodeType.VARIABLE_ASSIGNER: _assigner,
    NodeType.VARIABLE_AGGREGATOR: _aggregator, NodeType.LIST_OPERATOR: _list_operator,
    NodeType.ITERATION: _iteration, NodeType.LOOP: _loop,
}


def check_node(node: BaseNode) -> Issues:
    out: Issues = []
    check_variables(node, "inputs", out)
    if node.node_type not in (NodeType.LLM, NodeType.TOOL, NodeType.DATASET_RETRIEVAL,
                              NodeType.TEMPLATE_TRANSFORM, NodeType.HTTP_REQUEST, NodeType.QUESTION_CLASSIFIER):
        check_variables(node, "outputs", out)  # fixed outputs are the engine's, not the user's
    check = NODE_CHECKS.get(node.node_type)
    if check is not None:
        check(node, out)
    check_error_policy(node, out)
    return out

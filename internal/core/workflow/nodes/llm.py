"""LLM, question classifier and parameter extractor nodes."""
from __future__ import annotations

import json
import re
from typing import Any

from langchain_core.messages import HumanMessage, SystemMessage

from ..entities.coercion import CoercionError, coerce
from ..entities.nodes import BaseNode
from ..template import TemplateRenderError, render
from .base import NodeError, NodeOutcome
from .model_call import call_model


def run_llm(node: BaseNode, inputs: dict[str, Any], ctx) -> NodeOutcome:
    try:
        prompt = render(node.prompt, inputs)
    except TemplateRenderError as exc:
        raise NodeError(str(exc)) from None
    reply = call_model(ctx, node.llm_config, [HumanMessage(prompt)], stream=True)
    return NodeOutcome({"output": reply.text}, total_tokens=reply.total_tokens, total_price=reply.price)


def _classifier_prompt(node: BaseNode) -> str:
    lines = [f"- {c.id}: {c.name}" + (f" ({c.description})" if c.description else "") for c in node.classes]
    extra = f"\n{node.instruction.strip()}" if node.instruction.strip() else ""
    return ("Classify the user's text into exactly one of these classes. Answer with the class id only.\n"
            + "\n".join(lines) + extra)


def run_classifier(node: BaseNode, inputs: dict[str, Any], ctx) -> NodeOutcome:
    reply = call_model(ctx, node.llm_config, [SystemMessage(_classifier_prompt(node)),
                                              HumanMessage(str(inputs.get("query") or ""))], stream=False)
    answer = reply.text.strip().strip("\"'`.").lower()
    chosen = next((c for c in node.classes if answer in (c.id.lower(), c.name.lower())), None)
    if chosen is None:  # a chatty answer: a class it names as a word
        chosen = next((c for c in node.classes
                       if any(re.search(rf"(?<!\w){re.escape(w.lower())}(?!\w)", answer) for w in (c.id, c.name) if w)),
                      None)
    if chosen is None:
        raise NodeError(f"the model's answer matched none of the classes: {reply.text[:80]!r}")
    return NodeOutcome({"class_name": chosen.name}, handle=chosen.id, total_tokens=reply.total_tokens,
                       total_price=reply.price)


_JSON_OBJECT = re.compile(r"\{.*\}", re.DOTALL)


def _extractor_prompt(node: BaseNode) -> str:
    fields = {v.name: {"type": v.type.value, "description": v.description, "required": v.required}
              for v in node.outputs}
    extra = f"\n{node.instruction.strip()}" if node.instruction.strip() else ""
    return ("Extract these parameters from the user's text. Reply with one JSON object whose keys are the "
            "parameter names, nothing else; use null for a parameter the text does not give.\n"
            + json.dumps(fields, ensure_ascii=False) + extra)


def run_extractor(node: BaseNode, inputs: dict[str, Any], ctx) -> NodeOutcome:
    reply = call_model(ctx, node.llm_config, [SystemMessage(_extractor_prompt(node)),
                                              HumanMessage(str(inputs.get("query") or ""))], stream=False)
    match = _JSON_OBJECT.search(reply.text)
    try:
        data = json.loads(match.group(0)) if match else None
    except ValueError:
        data = None
    if not isinstance(data, dict):
        raise NodeError("the model did not answer with a JSON object")
    outputs = {}
    for var in node.outputs:
        value = data.get(var.name)
        if value is None:
            if var.required:
                raise NodeError(f"the model did not extract the required parameter {var.name!r}")
            outputs[var.name] = None
            continue
        try:
            outputs[var.name] = coerce(value, var.type)
        except CoercionError as exc:
            raise NodeError(f"parameter {var.name!r}: {exc}") from None
    return NodeOutcome(outputs, total_tokens=reply.total_tokens, total_price=reply.price)

"""Graph builders for tests: nodes and edges exactly in the console's shape."""
from __future__ import annotations

import copy
from typing import Any


def ref(node_id: str, name: str) -> dict:
    return {"type": "ref", "content": {"ref_node_id": node_id, "ref_var_name": name}}


def lit(value: Any) -> dict:
    return {"type": "literal", "content": value}


def var(name: str, type: str = "string", value: dict | None = None, **extra: Any) -> dict:
    out = {"name": name, "description": "", "required": True, "type": type,
           "value": value if value is not None else {"type": "generated", "content": ""}, "meta": {}}
    out.update(extra)
    return out


def start_input(name: str, type: str = "string", required: bool = True) -> dict:
    # The editor's start inputs carry no `value`.
    return {"name": name, "type": type, "description": "", "required": required}


MODEL = {"provider": "openai", "model": "gpt-4o-mini", "parameters": {"temperature": 0.5}}


class G:
    """Tiny builder: G().start(...).add(...).link(...).dump()"""

    def __init__(self) -> None:
        self.nodes: list[dict] = []
        self.edges: list[dict] = []

    def node(self, node_id: str) -> dict:
        return next(n for n in self.nodes if n["id"] == node_id)

    def add(self, node_id: str, node_type: str, title: str | None = None, **fields: Any) -> G:
        node = {"id": node_id, "node_type": node_type, "title": title or node_id, "description": "",
                "position": {"x": 10 * len(self.nodes), "y": 0}}
        node.update(fields)
        node.setdefault("inputs", [])
        node.setdefault("outputs", [])
        self.nodes.append(node)
        return self

    def start(self, *inputs: dict, node_id: str = "start") -> G:
        return self.add(node_id, "start", inputs=list(inputs))

    def end(self, *outputs: dict, node_id: str = "end") -> G:
        return self.add(node_id, "end", outputs=list(outputs))

    def link(self, source: str, target: str, handle: str | None = None, edge_id: str | None = None) -> G:
        edge = {"id": edge_id or f"e{len(self.edges)}", "source": source, "source_type": self.node(source)["node_type"],
                "target": target, "target_type": self.node(target)["node_type"]}
        if handle is not None:
            edge["source_handle_id"] = handle
        self.edges.append(edge)
        return self

    def chain(self, *ids: str) -> G:
        for a, b in zip(ids, ids[1:], strict=False):
            self.link(a, b)
        return self

    def dump(self) -> dict:
        return copy.deepcopy({"nodes": self.nodes, "edges": self.edges})


def template_node(g: G, node_id: str, template: str, **inputs: dict) -> G:
    return g.add(node_id, "template_transform", template=template,
                 inputs=[var(k, "string", v) for k, v in inputs.items()], outputs=[var("output")])


def code_node(g: G, node_id: str, code: str, inputs: dict[str, tuple[str, dict]], outputs: dict[str, str],
              **extra: Any) -> G:
    return g.add(node_id, "code", code=code, inputs=[var(k, t, v) for k, (t, v) in inputs.items()],
                 outputs=[var(k, t) for k, t in outputs.items()], **extra)

"""Local `$ref` resolution (`#/components/...`, `#/definitions/...`). Remote refs (other files,
URLs) are refused: fetching them would be an outbound request the user controls.

References are inlined. A reference cycle (a recursive schema) is cut where it repeats with a
permissive `{}` schema, and the total size of what inlining produces is capped, so a document
made of references to references (a "billion laughs") fails cleanly instead of eating memory."""
from __future__ import annotations

from typing import Any
from urllib.parse import unquote

from .errors import OpenAPIDocumentError, fail

MAX_RESOLVED_NODES = 200_000


def _unescape(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


class RefResolver:
    def __init__(self, document: dict[str, Any]):
        self.document = document
        self.nodes = 0

    def lookup(self, ref: Any, where: tuple) -> Any:
        if not isinstance(ref, str):
            raise fail("$ref must be a string", where)
        if not ref.startswith("#"):
            raise fail(f"remote $ref '{ref[:200]}' is not supported: only references inside the document "
                       "(starting with '#/') are allowed", where)
        node: Any = self.document
        if ref in ("#", "#/"):
            raise fail("$ref to the whole document is not supported", where)
        for raw in ref[2:].split("/") if ref.startswith("#/") else [None]:
            if raw is None:
                raise fail(f"$ref '{ref[:200]}' is not a JSON pointer", where)
            token = _unescape(unquote(raw))
            if isinstance(node, dict) and token in node:
                node = node[token]
            elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
                node = node[int(token)]
            else:
                raise fail(f"$ref '{ref[:200]}' points to nothing in the document", where)
        return node

    def resolve(self, value: Any, where: tuple, _stack: tuple[str, ...] = ()) -> Any:
        """A deep copy of `value` with every $ref inlined."""
        self.nodes += 1
        if self.nodes > MAX_RESOLVED_NODES:
            raise OpenAPIDocumentError("the document is too large once its $refs are resolved")
        if isinstance(value, dict):
            if "$ref" in value:
                ref = value["$ref"]
                if ref in _stack:
                    return {"description": f"(recursive reference to {ref})"}
                target = self.lookup(ref, where + ("$ref",))
                resolved = self.resolve(target, where, _stack + (ref,))
                siblings = {k: v for k, v in value.items() if k != "$ref"}
                if siblings and isinstance(resolved, dict):  # 3.1 allows description/summary beside $ref
                    resolved = {**resolved, **self.resolve(siblings, where, _stack)}
                return resolved
            return {k: self.resolve(v, where + (k,), _stack) for k, v in value.items()}
        if isinstance(value, list):
            return [self.resolve(v, where + (i,), _stack) for i, v in enumerate(value)]
        return value

    def deref(self, value: Any, where: tuple) -> Any:
        """One level: follow $ref chains of this node only (for parameters, path items...)."""
        seen: set[str] = set()
        while isinstance(value, dict) and "$ref" in value:
            ref = value["$ref"]
            if ref in seen:
                raise fail(f"$ref cycle through '{ref}'", where)
            seen.add(ref)
            value = self.lookup(ref, where + ("$ref",))
        return value

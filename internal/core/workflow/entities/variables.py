"""Variables: the `inputs`/`outputs` entries of every node, in the course/console shape.

    {"name": "query", "description": "", "required": true, "type": "string",
     "value": {"type": "ref", "content": {"ref_node_id": "<node id>", "ref_var_name": "query"}},
     "meta": {}}

`value.type` is `ref` (another node's output, or `sys` for system variables), `literal` (a
constant typed by `type`) or `generated` (produced by the node itself). Start inputs carry no
`value`. Unknown keys are kept (extra="allow") and dumps use `exclude_unset`, so a graph reads
back exactly as the editor sent it.
"""
from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class VariableType(StrEnum):
    STRING = "string"
    INT = "int"
    FLOAT = "float"
    BOOLEAN = "boolean"
    OBJECT = "object"
    LIST_STRING = "list[string]"
    LIST_INT = "list[int]"
    LIST_FLOAT = "list[float]"
    LIST_BOOLEAN = "list[boolean]"
    LIST_OBJECT = "list[object]"

    @property
    def is_list(self) -> bool:
        return self.value.startswith("list[")

    @property
    def element(self) -> VariableType:
        """The item type of a list type (a scalar type is its own element)."""
        return VariableType(self.value[5:-1]) if self.is_list else self

    @classmethod
    def list_of(cls, element: VariableType) -> VariableType:
        return element if element.is_list else cls(f"list[{element.value}]")


SYS_NODE_ID = "sys"  # reserved ref_node_id of the system variables (run_id, workflow_id, ...)
VARIABLE_NAME_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]*$"


class Shape(BaseModel):
    """Base of every graph model: keep unknown keys, never rename what the editor sent."""
    model_config = ConfigDict(extra="allow", populate_by_name=True, protected_namespaces=())


class RefContent(Shape):
    ref_node_id: str = ""
    ref_var_name: str = ""


class RefValue(Shape):
    type: Literal["ref"]
    content: RefContent = Field(default_factory=RefContent)


class LiteralValue(Shape):
    type: Literal["literal"]
    content: Any = ""


class GeneratedValue(Shape):
    type: Literal["generated"]
    content: Any = ""


VariableValue = Annotated[RefValue | LiteralValue | GeneratedValue, Field(discriminator="type")]


class Variable(Shape):
    name: str = ""
    description: str = ""
    required: bool = True
    type: VariableType = VariableType.STRING
    value: VariableValue | None = None
    meta: dict[str, Any] = Field(default_factory=dict)

    @property
    def ref(self) -> RefContent | None:
        return self.value.content if isinstance(self.value, RefValue) else None

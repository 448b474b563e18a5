"""`Tool(..., validator=...)`: a source passes a compiled validator so resolving the same tool
again does not check and compile its schema again."""
from __future__ import annotations

from internal.core.tools import schema_validation
from internal.core.tools.base import Tool
from internal.core.tools.schema_validation import compile_schema

SCHEMA = {"type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"], "additionalProperties": False}


class Double(Tool):
    def _run(self, arguments, deadline):
        return {"n": arguments["n"] * 2}


def test_a_given_validator_is_used_and_the_schema_not_compiled_again(monkeypatch):
    validator = compile_schema(SCHEMA)
    compiled = []
    monkeypatch.setattr(schema_validation.Draft202012Validator, "check_schema",
                        classmethod(lambda cls, s: compiled.append(s)))
    tool = Double("double", "doubles n", SCHEMA, validator=validator)
    assert tool.invoke({"n": "21"}).data == {"n": 42}  # coerced and validated by the given validator
    bad = tool.invoke({"n": "x"})
    assert not bad.ok and "invalid input 'n'" in bad.text
    assert compiled == []


def test_without_a_validator_the_schema_is_compiled_once_per_tool():
    tool = Double("double", "doubles n", SCHEMA)
    assert tool._validator is None
    assert tool.invoke({"n": 1}).ok and tool._validator is not None
    first = tool._validator
    tool.invoke({"n": 2})
    assert tool._validator is first

"""Builtin tools: providers declared as YAML data (providers/providers.yaml), implemented as
functions registered with `@builtin_tool` (functions/). See docs/tools.md."""
from .catalog import BuiltinCatalog
from .registry import BuiltinContext, BuiltinSettings, builtin_tool
from .tool import BuiltinTool

__all__ = ["BuiltinCatalog", "BuiltinContext", "BuiltinSettings", "BuiltinTool", "builtin_tool"]

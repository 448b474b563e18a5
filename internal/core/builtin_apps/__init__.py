"""Builtin app templates: YAML data (templates/*.yaml, categories.yaml) and their icons."""
from .catalog import BuiltinApp, BuiltinAppCatalog, BuiltinAppCategory

__all__ = ["BuiltinApp", "BuiltinAppCatalog", "BuiltinAppCategory"]

"""Parsed operation specs with their compiled input validators, kept per (tool id, version), so
resolving an API tool does not rebuild the spec from its JSON nor check and compile its schema
again (that costs milliseconds, more than the rest of a call's overhead)."""
from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from typing import Any

from ..schema_validation import compile_schema
from .spec import OperationSpec


class CompiledOperations:
    def __init__(self, max_entries: int = 4096) -> None:
        self.max_entries = max_entries
        self._entries: OrderedDict[Hashable, tuple[OperationSpec, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, operation: dict[str, Any]) -> tuple[OperationSpec, Any]:
        with self._lock:
            hit = self._entries.get(key)
            if hit is not None:
                self._entries.move_to_end(key)
                return hit
        spec = OperationSpec.from_dict(operation)
        entry = (spec, compile_schema(spec.input_schema))
        with self._lock:
            self._entries[key] = entry
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
        return entry

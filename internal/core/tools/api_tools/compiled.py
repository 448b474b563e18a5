"""What resolving an API tool would otherwise redo on every call, kept per (row id, version):
the operation spec rebuilt from its JSON with its compiled input validator (checking and
compiling a schema costs milliseconds), and the provider's decrypted headers and auth (two
Fernet decryptions). A changed row has a new `updated_at`, hence a new key; old entries age out
(LRU). Decrypted secrets live only in this process's memory, as the model layer's credentials do."""
from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

from ..schema_validation import compile_schema
from .spec import OperationSpec


class _Lru:
    def __init__(self, max_entries: int) -> None:
        self.max_entries = max_entries
        self._entries: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, build: Callable[[], Any]) -> Any:
        with self._lock:
            if key in self._entries:
                self._entries.move_to_end(key)
                return self._entries[key]
        value = build()
        with self._lock:
            self._entries[key] = value
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
        return value


class CompiledOperations:
    def __init__(self, max_entries: int = 4096) -> None:
        self._operations = _Lru(max_entries)
        self._secrets = _Lru(max_entries)

    def get(self, key: Hashable, load_operation: Callable[[], dict[str, Any]]) -> tuple[OperationSpec, Any]:
        def build() -> tuple[OperationSpec, Any]:
            spec = OperationSpec.from_dict(load_operation())
            return spec, compile_schema(spec.input_schema)

        return self._operations.get(key, build)

    def secrets(self, key: Hashable, build: Callable[[], Any]) -> Any:
        return self._secrets.get(key, build)

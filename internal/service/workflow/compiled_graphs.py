"""Published graphs compiled once per version (strict validation + run plan: ~1.5 ms for 50
nodes), shared by every run of that version in this process. The key is the workflow id and
`published_at`, which every publish changes; a compiled workflow is read-only while it runs."""
from __future__ import annotations

import threading
import uuid
from collections import OrderedDict
from datetime import datetime
from typing import Any

from internal.core.workflow.engine import CompiledWorkflow, WorkflowEngine

MAX_ENTRIES = 256


class CompiledGraphs:
    def __init__(self, max_entries: int = MAX_ENTRIES):
        self.max_entries = max_entries
        self._lock = threading.Lock()
        self._entries: OrderedDict[tuple[uuid.UUID, str], CompiledWorkflow] = OrderedDict()

    def get(self, workflow_id: uuid.UUID, published_at: datetime | None, graph: dict[str, Any]) -> CompiledWorkflow:
        """Raises GraphValidationError like WorkflowEngine.compile (nothing is cached then)."""
        key = (workflow_id, published_at.isoformat() if published_at else "")
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
                return found
        compiled = WorkflowEngine().compile(graph)
        with self._lock:
            self._entries[key] = compiled
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
        return compiled

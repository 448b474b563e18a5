"""Published graphs are compiled once per version (internal/service/workflow/compiled_graphs.py)."""
from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from internal.core.workflow.validation import GraphValidationError
from internal.service.workflow.compiled_graphs import CompiledGraphs

from .builders import G, ref, start_input, var


def graph() -> dict:
    return G().start(start_input("q")).end(var("q", "string", ref("start", "q"))).chain("start", "end").dump()


def test_once_per_version_and_bounded():
    cache = CompiledGraphs(max_entries=2)
    wf, v1 = uuid.uuid4(), datetime.now(UTC)
    first = cache.get(wf, v1, graph())
    assert cache.get(wf, v1, graph()) is first                      # the same version: compiled once
    second = cache.get(wf, v1 + timedelta(seconds=1), graph())      # published again: a new version
    assert second is not first
    cache.get(uuid.uuid4(), v1, graph())                            # a third entry evicts the oldest
    assert cache.get(wf, v1, graph()) is not first
    with pytest.raises(GraphValidationError):
        cache.get(uuid.uuid4(), v1, {"nodes": [], "edges": []})

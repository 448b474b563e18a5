"""Concurrent runs per account and process (internal/service/workflow/run_slots.py)."""
from __future__ import annotations

import pytest

from internal.exception import TooManyRequestsException
from internal.service.workflow.run_slots import RunSlots


def test_slots_per_account():
    slots = RunSlots(limit=2)
    a1, a2 = slots.acquire("a"), slots.acquire("a")
    b = slots.acquire("b")  # another account has its own
    with pytest.raises(TooManyRequestsException) as refused:
        slots.acquire("a")
    assert refused.value.status == 429 and refused.value.headers["Retry-After"] == "5"
    a1.release()
    a1.release()  # releasing twice frees one slot, once
    a3 = slots.acquire("a")
    with pytest.raises(TooManyRequestsException):
        slots.acquire("a")
    for slot in (a2, a3, b):
        slot.release()
    assert slots._running == {}

"""Per-node run policies: a timeout, a retry policy and what a failure means for the run."""
from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import Field

from .variables import Shape

FAIL_HANDLE = "fail"  # source_handle_id of the edges of an error branch


class ErrorStrategy(StrEnum):
    FAIL = "fail"                    # the run fails (default)
    DEFAULT_VALUE = "default_value"  # the node outputs `default_outputs` and the run goes on
    FAIL_BRANCH = "fail_branch"      # the run goes on along the node's `fail` edges only


class RetryPolicy(Shape):
    max_retries: int = Field(default=0, ge=0, le=10)
    interval_ms: int = Field(default=0, ge=0, le=60_000)


class ErrorPolicy(Shape):
    strategy: ErrorStrategy = ErrorStrategy.FAIL
    default_outputs: dict[str, Any] = Field(default_factory=dict)

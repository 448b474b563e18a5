"""Workflows (issue 12) and their runs.

A workflow has ONE draft graph (what the console's editor autosaves, unfinished graphs included)
and, while published, the graph that was published (`graph`, checked strictly and run by the API
and by agents). `is_debug_passed` says the current draft ran successfully in the debug pane;
any draft save clears it and publishing requires it.

A run (`workflow_result`) is the engine's checkpoint header and result; every finished node run
is one `workflow_node_run` row, saved before anything downstream starts (docs/workflows.md,
"Durability")."""
from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, OwnedByAccount, Timestamps, UUIDPrimaryKey


class Workflow(UUIDPrimaryKey, Timestamps, OwnedByAccount, Base):
    __tablename__ = "workflow"
    __table_args__ = (UniqueConstraint("account_id", "tool_call_name", name="uq_workflow_account_id_tool_call_name"),)

    name: Mapped[str] = mapped_column(String(255), nullable=False)
    tool_call_name: Mapped[str] = mapped_column(String(64), nullable=False)
    icon: Mapped[str] = mapped_column(String(512), nullable=False, default="")
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")
    graph: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)         # the published graph ({} if none)
    draft_graph: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)   # exactly as the editor saved it
    is_debug_passed: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="draft")  # draft | published
    published_at: Mapped[datetime | None] = mapped_column(nullable=True)


class WorkflowResult(UUIDPrimaryKey, Timestamps, OwnedByAccount, Base):
    """One run of a workflow (debug pane or API); its id is the engine's run id."""
    __tablename__ = "workflow_result"

    workflow_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("workflow.id", ondelete="CASCADE"),
                                                   nullable=False, index=True)
    invoke_from: Mapped[str] = mapped_column(String(16), nullable=False)              # debugger | service_api
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="running")
    graph: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)           # the graph as run
    inputs: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    system: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)          # the run's system variables
    outputs: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    error: Mapped[str] = mapped_column(Text, nullable=False, default="")
    error_node_id: Mapped[str] = mapped_column(String(255), nullable=False, default="")
    latency: Mapped[float] = mapped_column(Float, nullable=False, default=0.0)        # seconds
    total_tokens: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    total_price: Mapped[float] = mapped_column(Float, nullable=False, default=0.0)
    finished_at: Mapped[datetime | None] = mapped_column(nullable=True)


class WorkflowNodeRun(UUIDPrimaryKey, Timestamps, OwnedByAccount, Base):
    """One finished node run (or iteration/loop turn) of a run: the engine's NodeRunRecord."""
    __tablename__ = "workflow_node_run"

    result_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("workflow_result.id", ondelete="CASCADE"),
                                                 nullable=False, index=True)
    position: Mapped[int] = mapped_column(Integer, nullable=False)                    # save order within the run
    node_id: Mapped[str] = mapped_column(String(255), nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    record: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)          # NodeRunRecord.to_dict()

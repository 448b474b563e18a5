"""Page a SQLAlchemy 2 select the way the console expects: {list, paginator}."""
from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session


class PaginatorReq(BaseModel):
    current_page: int = Field(default=1, ge=1, le=100_000)
    page_size: int = Field(default=20, ge=1, le=50)


class SearchPaginatorReq(PaginatorReq):
    search_word: str = Field(default="", max_length=100)


@dataclass(frozen=True)
class Paginator:
    total_page: int
    total_record: int
    current_page: int
    page_size: int

    @classmethod
    def paginate(cls, session: Session, stmt: Select, req: PaginatorReq) -> tuple[Sequence[Any], Paginator]:
        total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
        rows = session.scalars(stmt.limit(req.page_size).offset((req.current_page - 1) * req.page_size)).all()
        # At least one page even when empty: llmops-ui skips its refresh when it reads 0, so the
        # first API key (or dataset, app...) would only appear after a reload (issue 13).
        total_page = max(1, math.ceil(total / req.page_size))
        return rows, cls(total_page, total, req.current_page, req.page_size)


def page_data(rows: Sequence[Any], paginator: Paginator, dump: Callable[[Any], Any]) -> dict:
    return {"list": [dump(row) for row in rows], "paginator": asdict(paginator)}

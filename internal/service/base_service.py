"""Shared service helpers. `get_owned` is THE tenant check: every id taken from a request
(including ids nested in configs and graphs) is loaded through it."""
from __future__ import annotations

import uuid
from typing import Any, TypeVar

from sqlalchemy import Row, select

from internal.exception import NotFoundException
from pkg.sqlalchemy import SQLAlchemy

T = TypeVar("T")


def get_owned(db: SQLAlchemy, model: type[T], object_id: Any, account_id: uuid.UUID,
              message: str | None = None) -> T:
    """Load a row owned by `account_id`; other tenants' rows and malformed ids are 'not found'."""
    try:
        key = object_id if isinstance(object_id, uuid.UUID) else uuid.UUID(str(object_id))
    except (TypeError, ValueError):
        raise NotFoundException(message or f"{model.__name__} not found") from None
    row = db.session.get(model, key)
    if row is None or getattr(row, "account_id", None) != account_id:
        raise NotFoundException(message or f"{_label(model)} not found")
    return row


def get_owned_columns(db: SQLAlchemy, model: type, object_id: Any, account_id: uuid.UUID, *columns: Any,
                      message: str | None = None) -> Row:
    """`get_owned` reading only `columns` of the row (no ORM object, none of its other columns
    decoded), for hot paths; the same tenant check and the same 'not found'."""
    try:
        key = object_id if isinstance(object_id, uuid.UUID) else uuid.UUID(str(object_id))
    except (TypeError, ValueError):
        raise NotFoundException(message or f"{model.__name__} not found") from None
    row = db.session.execute(select(*columns).where(model.id == key,  # type: ignore[attr-defined]
                                                    model.account_id == account_id)).first()  # type: ignore[attr-defined]
    if row is None:
        raise NotFoundException(message or f"{_label(model)} not found")
    return row


def _label(model: type) -> str:
    return getattr(model, "__tablename__", model.__name__).replace("_", " ")

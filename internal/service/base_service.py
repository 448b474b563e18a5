"""Shared service helpers. `get_owned` is THE tenant check: every id taken from a request
(including ids nested in configs and graphs) is loaded through it."""
from __future__ import annotations

import uuid
from typing import Any, TypeVar

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


def _label(model: type) -> str:
    return getattr(model, "__tablename__", model.__name__).replace("_", " ")

"""F2: one bad usage record never costs its batch. A NUL in a text field fails PostgreSQL's COPY,
a missing NOT NULL value fails the INSERT on either database; the writer isolates the bad rows
and writes every other one."""
from __future__ import annotations

import uuid

from sqlalchemy import select

from internal.core.language_model.usage import UsageRecord
from internal.model.language_model import ModelUsage
from internal.service.model_usage_writer import ModelUsageWriter
from pkg.sqlalchemy import SQLAlchemy


def _models(app) -> list[str]:
    """This test's rows only: other apps on the shared test database flush their own usage rows
    in the background (a /v1 test's model `x\\u0000` once landed in the middle of this one)."""
    db = app.extensions["injector"].get(SQLAlchemy)
    with app.app_context():
        return sorted(m for m in db.session.scalars(select(ModelUsage.model)).all()
                      if m.startswith(("good-", "poison")))


def _good(i: int) -> UsageRecord:
    return UsageRecord(model=f"good-{i:03d}", endpoint="chat", status="success", account_id=str(uuid.uuid4()),
                       prompt_tokens=i, total_tokens=i)


def test_a_poisoned_row_is_isolated_and_the_rest_is_written(db_app):
    writer = db_app.extensions["injector"].get(ModelUsageWriter)
    batch = [_good(i) for i in range(200)]
    batch[17] = UsageRecord(model="poison\u0000nul", endpoint="chat", status="success")  # PostgreSQL refuses NUL
    batch[120] = UsageRecord(model="poison-null", endpoint="chat", status=None)  # NOT NULL, both databases
    batch[150] = UsageRecord(model=None, endpoint="chat", status="success")  # not even a row
    writer.write(batch)
    written = _models(db_app)
    expected = sorted(f"good-{i:03d}" for i in range(200) if i not in (17, 120, 150))
    with db_app.app_context():
        dialect = db_app.extensions["injector"].get(SQLAlchemy).engine.dialect.name
    if dialect == "sqlite":
        expected = sorted([*expected, "poison\u0000nul"])  # SQLite stores NUL in text
    assert written == expected


"""`flask db upgrade` builds the schema from empty, and the models never drift from it."""
from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from internal.model.base import Base
from pkg.sqlalchemy import SQLAlchemy


@pytest.mark.parametrize("app_fixture", ["sqlite_app", "pg_app"])
def test_models_match_migrations(request, app_fixture):
    app = request.getfixturevalue(app_fixture)
    db = app.extensions["injector"].get(SQLAlchemy)
    with app.app_context(), db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, Base.metadata)
    assert diff == [], f"models and migrations drift on {app_fixture}; run `flask db migrate`: {diff}"


def test_upgrade_created_every_table(pg_app):
    db = pg_app.extensions["injector"].get(SQLAlchemy)
    with pg_app.app_context():
        from sqlalchemy import inspect

        tables = set(inspect(db.engine).get_table_names())
    assert set(Base.metadata.tables) <= tables
    assert "alembic_version" in tables

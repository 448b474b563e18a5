"""Flask-SQLAlchemy with one transaction helper. Only services call `auto_commit`."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask_sqlalchemy import SQLAlchemy as _SQLAlchemy


class SQLAlchemy(_SQLAlchemy):
    @contextmanager
    def auto_commit(self) -> Iterator[None]:
        """Commit when the block succeeds, roll back and re-raise when it fails."""
        try:
            yield
            self.session.commit()
        except BaseException:
            self.session.rollback()
            raise

from __future__ import annotations

from pathlib import Path

from flask import Flask
from flask_migrate import Migrate

from pkg.sqlalchemy import SQLAlchemy

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migration"


def init_app(app: Flask, db: SQLAlchemy, migrate: Migrate) -> None:
    # render_as_batch lets ALTERs run on SQLite; compare_type catches column type drift.
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIR), render_as_batch=True, compare_type=True)

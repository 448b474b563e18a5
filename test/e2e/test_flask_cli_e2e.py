"""`flask db upgrade` as typed in a fresh shell from the project root: no FLASK_APP exported.

The project's `.flaskenv` names the app for the flask CLI (python-dotenv reads it), so the
documented migration command works without `make` and without exporting anything.
"""
from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from test.support.processes import ROOT


def test_flask_db_upgrade_works_from_the_project_root_without_flask_app(tmp_path):
    flask = Path(sys.executable).with_name("flask")
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("FLASK_", "SQLALCHEMY_", "REDIS_", "CELERY_", "PYTEST_"))}
    env.update(INSTANCE_DIR=str(tmp_path), ENV="development")
    done = subprocess.run([str(flask), "db", "upgrade"], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "No such command" not in done.stderr
    tables = {row[0] for row in sqlite3.connect(tmp_path / "llmops.db").execute(
        "SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"account", "api_key", "alembic_version"} <= tables

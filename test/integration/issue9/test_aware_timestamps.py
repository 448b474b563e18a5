"""F1: timestamps are aware UTC on every backend; an API key keeps working from its second use on
SQLite (the embedded default), on /openapi and on /v1 once the /v1 key cache has expired."""
from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from flask_migrate import upgrade
from injector import Module, provider, singleton
from sqlalchemy import update

from app.http.app import create_app
from config.language_model import LanguageModelSettings
from internal.model.api_key import ApiKey
from internal.service.api_key_service import ApiKeyService
from pkg.sqlalchemy import SQLAlchemy
from test.conftest import make_account
from test.support.environment import make_test_config


class _NoKeyCache(Module):
    @singleton
    @provider
    def settings(self) -> LanguageModelSettings:
        return LanguageModelSettings(API_KEY_CACHE_SECONDS=0, _env_file=None)


@pytest.fixture(scope="module")
def sqlite_no_cache_app(tmp_path_factory):
    """The embedded default (SQLite, in-process Redis) with the /v1 key cache off, so every /v1
    call authenticates (as it does whenever the cache has expired)."""
    app = create_app(make_test_config(tmp_path_factory.mktemp("f1-sqlite")), modules=[_NoKeyCache()])
    with app.app_context():
        upgrade()
    return app


def _new_key(app) -> tuple[uuid.UUID, str]:
    account = make_account(app)
    with app.app_context():
        row, raw = app.extensions["injector"].get(ApiKeyService).create_api_key(account.account_id, True, "f1")
        return row.id, raw


def test_api_key_works_from_its_second_use_on_sqlite(sqlite_no_cache_app):
    app = sqlite_no_cache_app
    key_id, raw = _new_key(app)
    client = app.test_client()
    headers = {"Authorization": f"Bearer {raw}"}
    for path in ("/openapi/whoami", "/openapi/whoami", "/v1/models", "/v1/models", "/openapi/whoami"):
        response = client.get(path, headers=headers)
        assert response.status_code == 200, (path, response.status_code, response.get_data(as_text=True)[:300])

    db = app.extensions["injector"].get(SQLAlchemy)
    with app.app_context():
        used = db.session.get(ApiKey, key_id).last_used_at
        assert used is not None and used.tzinfo is not None and used.utcoffset() == timedelta(0)


def test_last_used_at_is_rewritten_after_the_interval_on_sqlite(sqlite_no_cache_app):
    """The touch path that compares the stored value (read back from SQLite) with now."""
    app = sqlite_no_cache_app
    key_id, raw = _new_key(app)
    db = app.extensions["injector"].get(SQLAlchemy)
    old = datetime(2020, 1, 1, tzinfo=UTC)
    with app.app_context():
        with db.auto_commit():
            db.session.execute(update(ApiKey).where(ApiKey.id == key_id).values(last_used_at=old))
    client = app.test_client()
    assert client.get("/v1/models", headers={"Authorization": f"Bearer {raw}"}).status_code == 200
    with app.app_context():
        used = db.session.get(ApiKey, key_id).last_used_at
        assert used > datetime.now(UTC) - timedelta(minutes=5)


def test_every_datetime_column_reads_back_aware(db_app):
    """Naive and non-UTC aware values are stored as UTC and read back aware, on both databases."""
    account = make_account(db_app)
    db = db_app.extensions["injector"].get(SQLAlchemy)
    from datetime import timezone

    plus_two = timezone(timedelta(hours=2))
    with db_app.app_context():
        key, _ = db_app.extensions["injector"].get(ApiKeyService).create_api_key(account.account_id, True, "tz")
        with db.auto_commit():
            db.session.execute(update(ApiKey).where(ApiKey.id == key.id)
                               .values(last_used_at=datetime(2026, 3, 1, 12, 0, tzinfo=plus_two)))
        db.session.expire_all()
        row = db.session.get(ApiKey, key.id)
        assert row.last_used_at == datetime(2026, 3, 1, 10, 0, tzinfo=UTC)
        assert row.last_used_at.utcoffset() == timedelta(0)
        assert row.created_at.tzinfo is not None and row.updated_at.tzinfo is not None

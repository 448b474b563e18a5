"""The shared mechanisms every feature leans on: validation, pagination, the tenant helper,
and the service-owned transaction."""
from __future__ import annotations

import uuid

import pytest
from pydantic import BaseModel, Field
from sqlalchemy import select

from internal.exception import NotFoundException, ValidateErrorException
from internal.handler.validation import OPENAPI_ATTR, validate
from internal.model.account import Account
from internal.model.api_key import ApiKey
from internal.service.base_service import get_owned
from pkg.paginator import Paginator, SearchPaginatorReq, page_data
from pkg.sqlalchemy import SQLAlchemy
from test.conftest import make_account


class EchoReq(BaseModel):
    name: str = Field(min_length=1, max_length=5)
    secret: str = ""


class EchoHandler:
    @validate(body=EchoReq, summary="echo")
    def echo(self, req: EchoReq):
        return req.name


def _db(app) -> SQLAlchemy:
    return app.extensions["injector"].get(SQLAlchemy)


def test_validate_parses_and_documents(sqlite_app):
    handler = EchoHandler()
    with sqlite_app.test_request_context("/", method="POST", json={"name": "abc"}):
        assert handler.echo() == "abc"
    assert getattr(handler.echo, OPENAPI_ATTR)["body"] is EchoReq


@pytest.mark.parametrize("payload,kwargs", [
    ({"name": ""}, {}),
    ({"name": "far-too-long", "secret": "hunter2"}, {}),
    (None, {"data": "{not json", "content_type": "application/json"}),
    (None, {"json": [1, 2]}),
])
def test_validate_rejects_bad_input_without_echoing_it(sqlite_app, payload, kwargs):
    handler = EchoHandler()
    if payload is not None:
        kwargs = {"json": payload}
    with sqlite_app.test_request_context("/", method="POST", **kwargs):
        with pytest.raises(ValidateErrorException) as caught:
            handler.echo()
    assert "hunter2" not in str(caught.value.message) + str(caught.value.data)


def test_get_owned_hides_other_tenants_and_bad_ids(db_app):
    owner, stranger = make_account(db_app), make_account(db_app)
    db = _db(db_app)
    with db_app.app_context():
        key = ApiKey(account_id=owner.account_id, key_hash=uuid.uuid4().hex, masked_key="m")
        with db.auto_commit():
            db.session.add(key)
        assert get_owned(db, ApiKey, key.id, owner.account_id).id == key.id
        assert get_owned(db, ApiKey, str(key.id), owner.account_id).id == key.id
        for bad in (key.id, "not-a-uuid", uuid.uuid4()):
            with pytest.raises(NotFoundException):
                get_owned(db, ApiKey, bad, stranger.account_id if bad == key.id else owner.account_id)


def test_auto_commit_rolls_back_the_whole_block(db_app):
    db = _db(db_app)
    email = f"rollback-{uuid.uuid4().hex[:6]}@example.com"
    with db_app.app_context():
        with pytest.raises(RuntimeError):
            with db.auto_commit():
                db.session.add(Account(email=email, name="x"))
                db.session.flush()
                raise RuntimeError("fail after a write")
        assert db.session.scalar(select(Account).where(Account.email == email)) is None


def test_paginator_pages_and_counts(db_app):
    for i in range(7):
        make_account(db_app, email=f"page-{i}@example.com")
    db = _db(db_app)
    with db_app.app_context():
        stmt = select(Account).where(Account.email.like("page-%")).order_by(Account.email)
        rows, paginator = Paginator.paginate(db.session, stmt, SearchPaginatorReq(current_page=2, page_size=3))
        data = page_data(rows, paginator, lambda a: a.email)
    assert data == {"list": ["page-3@example.com", "page-4@example.com", "page-5@example.com"],
                    "paginator": {"total_page": 3, "total_record": 7, "current_page": 2, "page_size": 3}}


def test_page_size_is_bounded():
    with pytest.raises(ValueError):
        SearchPaginatorReq(page_size=51)
    with pytest.raises(ValueError):
        SearchPaginatorReq(current_page=0)

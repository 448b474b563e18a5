"""The provider lifecycle on both databases (SQLite embedded default and PostgreSQL)."""
from __future__ import annotations

from sqlalchemy import func, select

from internal.model.api_tool import ApiTool, ApiToolProvider
from pkg.sqlalchemy import SQLAlchemy
from test.conftest import ConsoleClient, make_account

from .conftest import fixture_text


def _counts(app) -> tuple[int, int]:
    db = app.extensions["injector"].get(SQLAlchemy)
    with app.app_context():
        return tuple(db.session.scalar(select(func.count()).select_from(m)) for m in (ApiToolProvider, ApiTool))


def test_lifecycle(db_app):
    console = ConsoleClient(db_app, make_account(db_app))
    body = console.post("/api-tools", json={"name": "lib", "openapi_schema": fixture_text("library-3.1.yaml"),
                                            "auth": {"type": "bearer", "token": "t" * 20}})
    assert body["code"] == "success", body
    pid = body["data"]["id"]
    assert _counts(db_app) == (1, 5)
    swagger = fixture_text("todo-swagger-2.0.json")
    assert console.post(f"/api-tools/{pid}", json={"name": "todo", "openapi_schema": swagger})["code"] == "success"
    listed = console.get("/api-tools", query_string={"search_word": "TOD"})["data"]["list"]
    assert [t["name"] for t in listed[0]["tools"]] == ["list_todos", "createTodo", "updateTodo", "deleteTodo",
                                                       "addNote"]
    assert listed[0]["auth"] == {"type": "bearer", "token": "tt********tt"}  # kept: not sent on update
    assert console.post(f"/api-tools/{pid}/delete")["code"] == "success"
    assert _counts(db_app) == (0, 0)

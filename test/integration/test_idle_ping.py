"""Connections idle past SQLALCHEMY_PING_IDLE_SECONDS are pinged at checkout and replaced when the
server cut them; a connection returned a moment ago is used without a ping (the round trip
`pool_pre_ping` paid at every checkout)."""
from __future__ import annotations

import pytest
from sqlalchemy import create_engine, exc, text

from pkg.sqlalchemy.idle_ping import ping_when_idle


def _backend_pid(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(text("SELECT pg_backend_pid()")).scalar_one()


def _cut(admin, pid: int) -> None:  # what a server restart or an idle timeout does to a pooled connection
    with admin.connect() as conn:
        assert conn.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid}).scalar_one()


@pytest.fixture
def engines(pg_config):
    url = pg_config.SQLALCHEMY_DATABASE_URI
    admin = create_engine(url, poolclass=None)
    made = []

    def make(idle_seconds: float):
        engine = create_engine(url, pool_size=1, max_overflow=0)
        ping_when_idle(engine, idle_seconds)
        made.append(engine)
        return engine
    yield make, admin
    for e in made:
        e.dispose()
    admin.dispose()


def test_an_idle_connection_cut_by_the_server_is_replaced_unseen(engines):
    make, admin = engines
    engine = make(idle_seconds=0.0)  # every returned connection counts as idle: always pinged
    first = _backend_pid(engine)
    _cut(admin, first)
    assert _backend_pid(engine) != first  # the ping failed, the pool opened a new connection


def test_a_connection_returned_just_now_is_not_pinged(engines):
    make, admin = engines
    engine = make(idle_seconds=3600.0)
    _cut(admin, _backend_pid(engine))
    # no ping: the dead connection is handed out and the statement fails (the trade-off the
    # setting makes; the pool then replaces it)
    with pytest.raises(exc.OperationalError):
        _backend_pid(engine)
    assert _backend_pid(engine) > 0

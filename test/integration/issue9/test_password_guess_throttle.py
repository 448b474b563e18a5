"""F8, F11: password guesses are throttled atomically, in both state backends (Redis with
PostgreSQL, the in-process fakeredis of the embedded default with SQLite): of 20 parallel wrong
passwords at most LOGIN_MAX_FAILURES reach the password check; the old password of
POST /account/password is throttled by the same counters."""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from config import Config
from internal.service.auth_service import WRONG_CREDENTIALS
from test.conftest import make_account

PARALLEL = 20


def _in_parallel(fn, n: int = PARALLEL) -> list[dict]:
    barrier = threading.Barrier(n)

    def run(_):
        barrier.wait()
        return fn()

    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(run, range(n)))


def test_parallel_wrong_passwords_check_at_most_the_limit(db_app):
    account = make_account(db_app)
    limit = db_app.extensions["injector"].get(Config).LOGIN_MAX_FAILURES

    def guess():
        client = db_app.test_client()
        return client.post("/auth/password-login", json={"email": account.email, "password": "wrong-password-1"}).get_json()

    answers = _in_parallel(guess)
    checked = [a for a in answers if a["message"] == WRONG_CREDENTIALS]
    throttled = [a for a in answers if "too many failed login attempts" in a["message"]]
    assert 1 <= len(checked) <= limit, answers
    assert len(checked) + len(throttled) == PARALLEL, answers
    # still throttled: even the right password waits for the window
    right = db_app.test_client().post("/auth/password-login", json={"email": account.email, "password": account.password})
    assert "too many failed login attempts" in right.get_json()["message"]


def test_a_right_password_gives_its_attempt_back(db_app):
    limit = db_app.extensions["injector"].get(Config).LOGIN_MAX_FAILURES
    account = make_account(db_app)
    client = db_app.test_client()
    for _ in range(limit + 3):  # successes never use up the allowance
        ok = client.post("/auth/password-login", json={"email": account.email, "password": account.password})
        assert ok.get_json()["code"] == "success", ok.get_json()
    for _ in range(limit):
        wrong = client.post("/auth/password-login", json={"email": account.email, "password": "wrong-password-1"})
        assert wrong.get_json()["message"] == WRONG_CREDENTIALS
    blocked = client.post("/auth/password-login", json={"email": account.email, "password": "wrong-password-1"})
    assert "too many failed login attempts" in blocked.get_json()["message"]


def test_old_password_guesses_are_throttled(db_app):
    limit = db_app.extensions["injector"].get(Config).LOGIN_MAX_FAILURES
    account = make_account(db_app)

    def guess():
        client = db_app.test_client()
        return client.post("/account/password", headers=account.headers,
                           json={"password": "New-passw0rd-1", "old_password": "wrong-old-password"}).get_json()

    answers = _in_parallel(guess)
    checked = [a for a in answers if a["message"] == "the current password is incorrect"]
    throttled = [a for a in answers if "too many failed login attempts" in a["message"]]
    assert 1 <= len(checked) <= limit and len(checked) + len(throttled) == PARALLEL, answers
    # the right old password is throttled too until the window ends, and so is login
    client = db_app.test_client()
    right = client.post("/account/password", headers=account.headers,
                        json={"password": "New-passw0rd-1", "old_password": account.password}).get_json()
    assert "too many failed login attempts" in right["message"], right
    login = client.post("/auth/password-login", json={"email": account.email, "password": account.password})
    assert "too many failed login attempts" in login.get_json()["message"]

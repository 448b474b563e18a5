"""Password login, throttling, JWT edge cases, logout, registration, the account CLI."""
from __future__ import annotations

import time
import uuid
from datetime import UTC

import jwt
import pytest

from app.http.app import create_app
from internal.model.account import Account
from internal.service.account_service import AccountExistsError, AccountService
from pkg.sqlalchemy import SQLAlchemy
from test.conftest import DEFAULT_PASSWORD, make_account


def login(client, email, password, **kwargs):
    response = client.post("/auth/password-login", json={"email": email, "password": password}, **kwargs)
    assert response.status_code == 200
    return response


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


# --- password login ---------------------------------------------------------------------
def test_password_login_returns_token_and_unix_expiry(client, account, app):
    before = int(time.time())
    body = login(client, account.email.upper(), account.password).get_json()
    assert body["code"] == "success"
    data = body["data"]
    assert set(data) == {"access_token", "expire_at"}
    assert isinstance(data["expire_at"], int)
    # UNIX seconds (not ms), JWT_EXPIRES_SECONDS ahead
    assert before + 7 * 24 * 3600 - 5 <= data["expire_at"] <= int(time.time()) + 7 * 24 * 3600 + 5
    me = client.get("/account", headers=bearer(data["access_token"])).get_json()
    assert me["code"] == "success" and me["data"]["email"] == account.email
    assert me["data"]["last_login_at"] >= before and me["data"]["last_login_ip"] == "127.0.0.1"


def test_wrong_password_and_unknown_email_answer_the_same(client, account):
    wrong = login(client, account.email, "Wrong-passw0rd").get_json()
    unknown = login(client, "nobody-" + uuid.uuid4().hex[:6] + "@example.com", "Wrong-passw0rd").get_json()
    assert wrong["code"] == unknown["code"] == "fail"
    assert wrong["message"] == unknown["message"] == "account or password is incorrect"
    assert wrong["data"] == unknown["data"] == {}


def test_login_validation_error(client):
    body = client.post("/auth/password-login", json={"email": "not-an-email", "password": ""}).get_json()
    assert body["code"] == "validate_error"
    body = client.post("/auth/password-login", data="{oops", content_type="application/json").get_json()
    assert body["code"] == "validate_error"


def test_oauth_only_account_cannot_password_login(client, app):
    db = app.extensions["injector"].get(SQLAlchemy)
    with app.app_context():
        with db.auto_commit():
            db.session.add(Account(email="oauth-only@example.com", name="o", password_hash=None))
    assert login(client, "oauth-only@example.com", "").get_json()["code"] == "validate_error"
    assert login(client, "oauth-only@example.com", "Anything1").get_json()["code"] == "fail"


# --- throttling -------------------------------------------------------------------------
def test_login_is_throttled_per_account_even_with_the_right_password(client, account):
    for _ in range(5):  # LOGIN_MAX_FAILURES
        assert login(client, account.email, "Wrong-passw0rd").get_json()["code"] == "fail"
    throttled = login(client, account.email, account.password)
    body = throttled.get_json()
    assert body["code"] == "fail" and "too many failed login attempts" in body["message"]
    assert "access_token" not in body["data"]
    assert 0 < int(throttled.headers["Retry-After"]) <= 900


def test_throttle_does_not_reveal_whether_the_account_exists(client, account):
    ghost = "ghost-" + uuid.uuid4().hex[:6] + "@example.com"
    for email in (account.email, ghost):
        for _ in range(5):
            login(client, email, "Wrong-passw0rd")
    real = login(client, account.email, "Wrong-passw0rd").get_json()
    fake = login(client, ghost, "Wrong-passw0rd").get_json()
    assert real["code"] == fake["code"] == "fail"
    assert real["message"].split(" in ")[0] == fake["message"].split(" in ")[0]


def test_login_is_throttled_per_ip_across_accounts(client, app):
    # LOGIN_MAX_FAILURES_PER_IP (20) failures from one IP block that IP for every account.
    victim = make_account(app)
    for i in range(20):
        login(client, f"spray-{i}@example.com", "Wrong-passw0rd")
    blocked = login(client, victim.email, victim.password).get_json()
    assert "too many failed login attempts" in blocked["message"]
    other_ip = login(client, victim.email, victim.password, environ_base={"REMOTE_ADDR": "10.9.8.7"}).get_json()
    assert other_ip["code"] == "success"


def test_successful_login_resets_the_account_counter(client, account):
    for _ in range(4):
        login(client, account.email, "Wrong-passw0rd")
    assert login(client, account.email, account.password).get_json()["code"] == "success"
    for _ in range(4):
        login(client, account.email, "Wrong-passw0rd")
    assert login(client, account.email, account.password).get_json()["code"] == "success"


# --- JWT edge cases ---------------------------------------------------------------------
@pytest.mark.parametrize("case", ["missing", "malformed", "not-bearer", "forged", "expired", "alg-none",
                                  "wrong-issuer", "unknown-account"])
def test_bad_tokens_are_unauthorized_in_envelope(client, app, account, case):
    now = int(time.time())
    base = {"sub": str(account.account_id), "iat": now, "exp": now + 60, "iss": "llmops", "jti": uuid.uuid4().hex}
    secret = app.config["SECRET_KEY"]
    headers = {
        "missing": {},
        "malformed": bearer("not.a.jwt"),
        "not-bearer": {"Authorization": f"Token {account.token}"},
        "forged": bearer(jwt.encode(base, "another-secret-" + "y" * 32, algorithm="HS256")),
        "expired": bearer(jwt.encode({**base, "exp": now - 10, "iat": now - 100}, secret, algorithm="HS256")),
        "alg-none": bearer(jwt.encode(base, None, algorithm="none")),
        "wrong-issuer": bearer(jwt.encode({**base, "iss": "someone-else"}, secret, algorithm="HS256")),
        "unknown-account": bearer(jwt.encode({**base, "sub": str(uuid.uuid4())}, secret, algorithm="HS256")),
    }[case]
    response = client.get("/account", headers=headers)
    assert response.status_code == 200
    body = response.get_json()
    assert body["code"] == "unauthorized" and body["data"] == {}
    if case == "expired":
        assert "expired" in body["message"]


def test_logout_revokes_the_token_server_side(client, account):
    token = login(client, account.email, account.password).get_json()["data"]["access_token"]
    other = login(client, account.email, account.password).get_json()["data"]["access_token"]
    assert client.get("/account", headers=bearer(token)).get_json()["code"] == "success"
    body = client.post("/auth/logout", headers=bearer(token)).get_json()
    assert body["code"] == "success"
    revoked = client.get("/account", headers=bearer(token)).get_json()
    assert revoked["code"] == "unauthorized" and "revoked" in revoked["message"]
    assert client.post("/auth/logout", headers=bearer(token)).get_json()["code"] == "unauthorized"
    # other sessions of the same account are unaffected
    assert client.get("/account", headers=bearer(other)).get_json()["code"] == "success"


def test_logout_without_token_is_unauthorized(client):
    assert client.post("/auth/logout").get_json()["code"] == "unauthorized"


# --- registration -----------------------------------------------------------------------
def test_registration_is_off_by_default(client):
    body = client.post("/auth/register", json={"email": "new@example.com", "password": "Passw0rd-new"}).get_json()
    assert body["code"] == "forbidden"


@pytest.fixture
def registration_client(app, pg_config):
    other = create_app(pg_config.model_copy(update={"REGISTRATION_ENABLED": True}))
    yield other.test_client()
    with other.app_context():
        other.extensions["injector"].get(SQLAlchemy).engine.dispose()


def test_registration_when_enabled(registration_client):
    body = registration_client.post("/auth/register", json={"email": "New@Example.com", "password": "Passw0rd-new",
                                                             "name": "New"}).get_json()
    assert body["code"] == "success" and set(body["data"]) == {"access_token", "expire_at"}
    me = registration_client.get("/account", headers=bearer(body["data"]["access_token"])).get_json()
    assert me["data"]["email"] == "new@example.com" and me["data"]["name"] == "New"
    again = registration_client.post("/auth/register", json={"email": "new@example.com",
                                                              "password": "Passw0rd-new"}).get_json()
    assert again["code"] == "fail" and "already exists" in again["message"]
    weak = registration_client.post("/auth/register", json={"email": "weak@example.com", "password": "short"})
    assert weak.get_json()["code"] == "validate_error"


# --- account creation service and CLI ----------------------------------------------------
def test_create_account_service_is_duplicate_safe(db_app):
    service = db_app.extensions["injector"].get(AccountService)
    with db_app.app_context():
        account = service.create_account("First@Example.com", "Passw0rd-first", "First")
        assert account.email == "first@example.com"
        with pytest.raises(AccountExistsError):
            service.create_account("first@example.com", "Passw0rd-other", "Other")
    assert login(db_app.test_client(), "first@example.com", "Passw0rd-first").get_json()["code"] == "success"


def test_cli_creates_account(db_app):
    runner = db_app.test_cli_runner()
    result = runner.invoke(args=["account", "create", "--email", "cli@example.com", "--password", "Passw0rd-cli",
                                 "--name", "Cli"])
    assert result.exit_code == 0, result.output
    assert "created account cli@example.com" in result.output
    duplicate = runner.invoke(args=["account", "create", "--email", "cli@example.com", "--password", "Passw0rd-cli"])
    assert duplicate.exit_code == 1 and "already exists" in duplicate.output
    weak = runner.invoke(args=["account", "create", "--email", "weak@example.com", "--password", "weak"])
    assert weak.exit_code == 1 and "password must be" in weak.output
    body = login(db_app.test_client(), "cli@example.com", "Passw0rd-cli").get_json()
    assert body["code"] == "success"


def test_default_password_fixture_still_logs_in(client, account):
    assert account.password == DEFAULT_PASSWORD
    assert login(client, account.email, DEFAULT_PASSWORD).get_json()["code"] == "success"


def test_cli_reset_password_signs_out_old_tokens(app, client, account):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["account", "reset-password", "--email", account.email, "--password", "Reset-passw0rd"])
    assert result.exit_code == 0, result.output
    assert login(client, account.email, "Reset-passw0rd").get_json()["code"] == "success"
    assert login(client, account.email, account.password).get_json()["code"] == "fail"
    assert client.get("/account", headers=account.headers).get_json()["code"] == "unauthorized"
    missing = runner.invoke(args=["account", "reset-password", "--email", "nobody@example.com", "--password",
                                  "Reset-passw0rd"])
    assert missing.exit_code == 1 and "no account" in missing.output


def test_revoked_tokens_are_purged_once_expired(app, client, account):
    from datetime import datetime, timedelta

    from internal.extension.celery_extension import beat_schedule
    from internal.model.revoked_token import RevokedToken
    from internal.task.account_task import purge_revoked_tokens

    token = login(client, account.email, account.password).get_json()["data"]["access_token"]
    client.post("/auth/logout", headers=bearer(token))
    db = app.extensions["injector"].get(SQLAlchemy)
    with app.app_context():
        with db.auto_commit():
            db.session.add(RevokedToken(jti="old-one", expires_at=datetime.now(UTC) - timedelta(hours=1)))
        # .run(): the task body in this app context (calling the task would use the Celery app's own)
        assert purge_revoked_tokens.run() == 1  # the expired row only; the fresh revocation stays
    assert client.get("/account", headers=bearer(token)).get_json()["code"] == "unauthorized"
    assert beat_schedule(app.extensions["injector"].get(__import__("config").Config))[
        "accounts-purge-revoked-tokens"]["task"] == "accounts.purge_revoked_tokens"

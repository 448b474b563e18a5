"""GitHub OAuth against a fake OAuth server on 127.0.0.1 (real httpx client in between)."""
from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest
from sqlalchemy import func, select

from app.http.app import create_app
from internal.model.account import Account
from internal.model.account_oauth import AccountOAuth
from pkg.sqlalchemy import SQLAlchemy
from test.conftest import make_account
from test.support.fake_oauth import RunningFakeOAuth

STATE_COOKIE = "llmops_oauth_state"


@pytest.fixture(scope="module")
def fake_oauth():
    server = RunningFakeOAuth()
    yield server
    server.stop()


def _build(pg_config, fake_oauth, **extra):
    return create_app(pg_config.model_copy(update={**fake_oauth.config_overrides(), **extra}))


def _dispose(app):
    with app.app_context():
        app.extensions["injector"].get(SQLAlchemy).engine.dispose()


@pytest.fixture(scope="module")
def oauth_app(pg_config, fake_oauth):
    app = _build(pg_config, fake_oauth)
    yield app
    _dispose(app)


@pytest.fixture(scope="module")
def linking_app(pg_config, fake_oauth):
    app = _build(pg_config, fake_oauth, OAUTH_LINK_EXISTING_ACCOUNTS=True)
    yield app
    _dispose(app)


@pytest.fixture
def browser(app, oauth_app):
    """A test client with a cookie jar, like the console's browser (`app` wipes rows after the test)."""
    return oauth_app.test_client()


def start(browser) -> str:
    body = browser.get("/oauth/github").get_json()
    assert body["code"] == "success"
    url = urlparse(body["data"]["redirect_url"])
    query = parse_qs(url.query)
    assert query["response_type"] == ["code"] and query["client_id"][0]
    state = query["state"][0]
    cookie = browser.get_cookie(STATE_COOKIE, path="/")
    assert cookie is not None and cookie.value == state and cookie.http_only
    return state


def authorize(browser, code, **body):
    response = browser.post("/oauth/authorize/github", json={"code": code, **body})
    assert response.status_code == 200
    return response.get_json()


def github_user(fake_oauth, code, user_id=4242, email="octo@example.com", verified=True, primary=True, extra=()):
    fake_oauth.fake.add_user(code, user={"id": user_id, "login": "octocat", "name": "Octo Cat",
                                         "avatar_url": "https://avatars.example.com/u/1"},
                             emails=[*extra, {"email": email, "primary": primary, "verified": verified}])


def test_happy_path_creates_account_and_signs_in(browser, fake_oauth, oauth_app):
    github_user(fake_oauth, "code-happy")
    start(browser)
    body = authorize(browser, "code-happy")  # exactly what llmops-ui sends: {code}
    assert body["code"] == "success", body
    assert set(body["data"]) == {"access_token", "expire_at"} and isinstance(body["data"]["expire_at"], int)
    me = browser.get("/account", headers={"Authorization": f"Bearer {body['data']['access_token']}"}).get_json()
    assert me["data"]["email"] == "octo@example.com" and me["data"]["name"] == "Octo Cat"
    assert me["data"]["is_password_set"] is False
    assert browser.get_cookie(STATE_COOKIE, path="/") is None  # cleared after use
    # second sign-in with the same GitHub identity lands in the same account
    github_user(fake_oauth, "code-again", email="changed@example.com")
    start(browser)
    again = authorize(browser, "code-again")
    me2 = browser.get("/account", headers={"Authorization": f"Bearer {again['data']['access_token']}"}).get_json()
    assert me2["data"]["id"] == me["data"]["id"]
    db = oauth_app.extensions["injector"].get(SQLAlchemy)
    with oauth_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AccountOAuth)) == 1
        assert db.session.scalar(select(func.count()).select_from(Account)) == 1


def test_state_in_body_must_match_cookie(browser, fake_oauth):
    github_user(fake_oauth, "code-body")
    state = start(browser)
    assert authorize(browser, "code-body", state=state)["code"] == "success"


def test_state_mismatch_is_refused(browser, fake_oauth):
    github_user(fake_oauth, "code-mismatch")
    start(browser)
    body = authorize(browser, "code-mismatch", state="attacker-state")
    assert body["code"] == "fail" and "state mismatch" in body["message"]
    assert "code-mismatch" in fake_oauth.fake.codes  # the code was never exchanged


def test_forged_state_cookie_is_refused(browser, fake_oauth):
    github_user(fake_oauth, "code-forged")
    browser.set_cookie(STATE_COOKIE, "never-issued", path="/")
    body = authorize(browser, "code-forged")
    assert body["code"] == "fail" and "invalid or expired" in body["message"]


def test_missing_state_is_refused(browser, fake_oauth):
    github_user(fake_oauth, "code-missing")
    body = authorize(browser, "code-missing")  # no /oauth/github first: no cookie
    assert body["code"] == "fail" and "missing OAuth state" in body["message"]
    body = authorize(browser, "code-missing", state="whatever")  # body state alone is not enough
    assert body["code"] == "fail" and "missing OAuth state" in body["message"]


def test_state_is_single_use(browser, fake_oauth):
    github_user(fake_oauth, "code-1")
    github_user(fake_oauth, "code-2", user_id=5)
    state = start(browser)
    assert authorize(browser, "code-1")["code"] == "success"
    browser.set_cookie(STATE_COOKIE, state, path="/")  # replay the used state
    body = authorize(browser, "code-2")
    assert body["code"] == "fail" and "invalid or expired" in body["message"]


def test_unverified_email_is_refused(browser, fake_oauth, oauth_app):
    github_user(fake_oauth, "code-unverified", email="unverified@example.com", verified=False)
    start(browser)
    body = authorize(browser, "code-unverified")
    assert body["code"] == "fail" and "no verified e-mail" in body["message"]
    db = oauth_app.extensions["injector"].get(SQLAlchemy)
    with oauth_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Account)) == 0


def test_only_verified_address_is_used(browser, fake_oauth):
    github_user(fake_oauth, "code-mixed", email="verified@example.com", primary=False,
                extra=[{"email": "primary-unverified@example.com", "primary": True, "verified": False}])
    start(browser)
    token = authorize(browser, "code-mixed")["data"]["access_token"]
    me = browser.get("/account", headers={"Authorization": f"Bearer {token}"}).get_json()
    assert me["data"]["email"] == "verified@example.com"


def test_no_silent_takeover_of_existing_password_account(app, browser, fake_oauth, oauth_app):
    victim = make_account(app, email="victim@example.com")
    github_user(fake_oauth, "code-takeover", email="victim@example.com", verified=True)
    start(browser)
    body = authorize(browser, "code-takeover")
    assert body["code"] == "forbidden" and "already exists" in body["message"]
    assert "access_token" not in body["data"]
    db = oauth_app.extensions["injector"].get(SQLAlchemy)
    with oauth_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AccountOAuth)) == 0
    # the password account is untouched
    login = browser.post("/auth/password-login", json={"email": victim.email, "password": victim.password})
    assert login.get_json()["code"] == "success"


def test_unverified_email_never_links_even_when_linking_is_enabled(app, linking_app, fake_oauth):
    make_account(app, email="owner@example.com")
    client = linking_app.test_client()
    github_user(fake_oauth, "code-unverified-link", email="owner@example.com", verified=False)
    start(client)
    body = authorize(client, "code-unverified-link")
    assert body["code"] == "fail" and "no verified e-mail" in body["message"]


def test_verified_email_links_when_policy_allows(app, linking_app, fake_oauth):
    owner = make_account(app, email="owner@example.com")
    client = linking_app.test_client()
    github_user(fake_oauth, "code-link", email="owner@example.com", verified=True)
    start(client)
    body = authorize(client, "code-link")
    assert body["code"] == "success"
    me = client.get("/account", headers={"Authorization": f"Bearer {body['data']['access_token']}"}).get_json()
    assert me["data"]["id"] == str(owner.account_id)


def test_bad_code_is_a_clear_failure(browser, fake_oauth):
    start(browser)
    body = authorize(browser, "code-nobody-registered")
    assert body["code"] == "fail" and "github sign-in failed" in body["message"]


def test_unreachable_provider_is_a_clear_failure(app, pg_config):
    dead = create_app(pg_config.model_copy(update={
        "OAUTH_GITHUB_CLIENT_ID": "x", "OAUTH_GITHUB_CLIENT_SECRET": "y",
        "OAUTH_GITHUB_TOKEN_URL": "http://127.0.0.1:9/login/oauth/access_token", "OAUTH_TIMEOUT_SECONDS": 2}))
    try:
        client = dead.test_client()
        start(client)
        body = authorize(client, "any")
        assert body["code"] == "fail" and "could not be reached" in body["message"]
    finally:
        _dispose(dead)


def test_unconfigured_provider_is_not_found(client):
    assert client.get("/oauth/github").get_json()["code"] == "not_found"
    assert client.get("/oauth/gitlab").get_json()["code"] == "not_found"
    body = client.post("/oauth/authorize/github", json={"code": "x"}).get_json()
    assert body["code"] == "not_found"


def test_authorize_validation_and_method(browser):
    assert browser.post("/oauth/authorize/github", json={}).get_json()["code"] == "validate_error"
    assert browser.get("/oauth/authorize/github").get_json()["code"] == "not_found"
    assert browser.post("/oauth/github").get_json()["code"] == "not_found"

"""pkg.oauth with an in-memory httpx transport: URLs, code exchange, verified e-mails only."""
from __future__ import annotations

import json
from urllib.parse import parse_qs, urlparse

import httpx
import pytest

from pkg.oauth import GenericOIDCProvider, GitHubProvider, OAuthError, OAuthSettings

SETTINGS = OAuthSettings(client_id="cid", client_secret="secret", redirect_uri="https://console.example/cb",
                         authorize_url="https://gh.example/login/oauth/authorize",
                         token_url="https://gh.example/login/oauth/access_token", api_base="https://api.gh.example",
                         userinfo_url="https://idp.example/userinfo", timeout=3)


def transport(routes: dict[str, object]) -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        answer = routes.get(f"{request.method} {request.url.copy_with(query=None)}")
        if answer is None:
            return httpx.Response(404, json={"message": "nope"})
        if isinstance(answer, httpx.Response):
            return answer
        return httpx.Response(200, content=json.dumps(answer), headers={"Content-Type": "application/json"})

    return httpx.MockTransport(handler)


def test_authorization_url_carries_state_and_scope():
    url = urlparse(GitHubProvider(SETTINGS).authorization_url("st4te"))
    query = parse_qs(url.query)
    assert url.netloc == "gh.example" and query["state"] == ["st4te"] and query["client_id"] == ["cid"]
    assert query["redirect_uri"] == ["https://console.example/cb"] and "user:email" in query["scope"][0]


@pytest.mark.parametrize("emails,expected", [
    ([{"email": "A@x.example", "primary": True, "verified": True}], "a@x.example"),
    ([{"email": "p@x.example", "primary": True, "verified": False},
      {"email": "v@x.example", "primary": False, "verified": True}], "v@x.example"),
    ([{"email": "p@x.example", "primary": True, "verified": False}], None),
    ([{"email": "s@x.example", "primary": True, "verified": "true"}], None),  # only a real boolean counts
    ({"message": "not a list"}, None),
])
def test_github_uses_verified_emails_only(emails, expected):
    provider = GitHubProvider(SETTINGS, transport=transport({
        "POST https://gh.example/login/oauth/access_token": {"access_token": "tok"},
        "GET https://api.gh.example/user": {"id": 7, "login": "octo", "avatar_url": "https://a.example/7"},
        "GET https://api.gh.example/user/emails": emails,
    }))
    info = provider.user_info(provider.exchange_code("c0de"))
    assert info.openid == "7" and info.name == "octo" and info.email == expected


def test_github_bad_code_and_http_errors_raise_oauth_error():
    bad_code = GitHubProvider(SETTINGS, transport=transport({
        "POST https://gh.example/login/oauth/access_token": {"error": "bad_verification_code"}}))
    with pytest.raises(OAuthError, match="rejected"):
        bad_code.exchange_code("x")
    server_error = GitHubProvider(SETTINGS, transport=transport({
        "POST https://gh.example/login/oauth/access_token": httpx.Response(502)}))
    with pytest.raises(OAuthError, match="HTTP 502"):
        server_error.exchange_code("x")
    not_json = GitHubProvider(SETTINGS, transport=transport({
        "POST https://gh.example/login/oauth/access_token": httpx.Response(200, content=b"<html>")}))
    with pytest.raises(OAuthError, match="invalid JSON"):
        not_json.exchange_code("x")


def test_network_failure_is_an_oauth_error():
    def boom(request):
        raise httpx.ConnectTimeout("timed out", request=request)

    provider = GitHubProvider(SETTINGS, transport=httpx.MockTransport(boom))
    with pytest.raises(OAuthError, match="could not be reached"):
        provider.exchange_code("x")


@pytest.mark.parametrize("claims,expected", [
    ({"sub": "u1", "email": "o@idp.example", "email_verified": True}, "o@idp.example"),
    ({"sub": "u1", "email": "o@idp.example", "email_verified": False}, None),
    ({"sub": "u1", "email": "o@idp.example"}, None),
])
def test_oidc_provider_requires_email_verified(claims, expected):
    provider = GenericOIDCProvider("idp", SETTINGS, transport=transport({"GET https://idp.example/userinfo": claims}))
    info = provider.user_info("tok")
    assert info.provider == "idp" and info.openid == "u1" and info.email == expected
    assert "openid" in parse_qs(urlparse(provider.authorization_url("s")).query)["scope"][0]

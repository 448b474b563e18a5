"""A fake GitHub-shaped OAuth server on 127.0.0.1, in its own thread, for the OAuth tests.

The real client code (pkg.oauth over httpx) talks to it over HTTP. Tests register what a
code should resolve to:

    fake.add_user("code-1", user={"id": 42, "login": "octo", "name": "Octo"},
                  emails=[{"email": "octo@example.com", "primary": True, "verified": True}])
"""
from __future__ import annotations

import json
import secrets
import threading
from dataclasses import dataclass, field

from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response


@dataclass
class _Profile:
    user: dict
    emails: list[dict]


@dataclass
class FakeOAuthServer:
    client_id: str = "fake-client-id"
    client_secret: str = "fake-client-secret"
    codes: dict[str, _Profile] = field(default_factory=dict)
    tokens: dict[str, _Profile] = field(default_factory=dict)
    requests: list[tuple[str, str]] = field(default_factory=list)

    def add_user(self, code: str, user: dict, emails: list[dict]) -> None:
        self.codes[code] = _Profile(user, emails)

    # --- WSGI -------------------------------------------------------------------------
    def __call__(self, environ, start_response):
        request = Request(environ)
        self.requests.append((request.method, request.path))
        return self._dispatch(request)(environ, start_response)

    def _dispatch(self, request: Request) -> Response:
        if request.path == "/login/oauth/access_token" and request.method == "POST":
            form = request.form
            if form.get("client_id") != self.client_id or form.get("client_secret") != self.client_secret:
                return _json({"error": "incorrect_client_credentials"})
            profile = self.codes.pop(form.get("code", ""), None)  # codes are single-use
            if profile is None:
                return _json({"error": "bad_verification_code"})  # GitHub answers 200 here
            token = "gho_" + secrets.token_hex(12)
            self.tokens[token] = profile
            return _json({"access_token": token, "token_type": "bearer", "scope": "read:user,user:email"})
        auth = request.headers.get("Authorization", "")
        profile = self.tokens.get(auth.removeprefix("Bearer ").strip())
        if profile is None:
            return _json({"message": "Bad credentials"}, 401)
        if request.path == "/user":
            return _json(profile.user)
        if request.path == "/user/emails":
            return _json(profile.emails)
        return _json({"message": "Not Found"}, 404)


def _json(body, status: int = 200) -> Response:
    return Response(json.dumps(body), status=status, mimetype="application/json")


class RunningFakeOAuth:
    def __init__(self):
        self.fake = FakeOAuthServer()
        self._server = make_server("127.0.0.1", 0, self.fake, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def config_overrides(self) -> dict:
        return {"OAUTH_GITHUB_CLIENT_ID": self.fake.client_id, "OAUTH_GITHUB_CLIENT_SECRET": self.fake.client_secret,
                "OAUTH_GITHUB_REDIRECT_URI": "http://console.test/auth/authorize/github",
                "OAUTH_GITHUB_AUTHORIZE_URL": f"{self.url}/login/oauth/authorize",
                "OAUTH_GITHUB_TOKEN_URL": f"{self.url}/login/oauth/access_token",
                "OAUTH_GITHUB_API_BASE": self.url}

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join(timeout=10)

"""The console's upload calls over real HTTP against the production server (gunicorn, 2
workers), as llmops-ui makes them: XHR multipart upload with a JWT from another origin, the
avatar set to the returned image_url, and the image loaded by an <img> (no token, no CORS)."""
from __future__ import annotations

import base64
import time

import httpx

from internal.service.account_service import AccountService

ORIGIN = "http://console.test"  # make_test_config's CORS_ORIGINS
PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==")


def _login(http: httpx.Client, live_server) -> dict[str, str]:
    email, password = f"e2e-upload-{int(time.time() * 1000)}@example.com", "E2e-passw0rd"
    with live_server.app.app_context():
        live_server.app.extensions["injector"].get(AccountService).create_account(email, password, "Uploader")
    token = http.post("/auth/password-login", json={"email": email, "password": password}).json()["data"]["access_token"]
    return {"Authorization": f"Bearer {token}"}


def test_avatar_upload_flow_over_http(live_server):
    with httpx.Client(base_url=live_server.url, timeout=10, headers={"Origin": ORIGIN}) as http:
        auth = _login(http, live_server)
        preflight = http.options("/upload-files/image", headers={"Access-Control-Request-Method": "POST",
                                                                 "Access-Control-Request-Headers": "authorization"})
        assert preflight.headers.get("Access-Control-Allow-Origin") == ORIGIN
        assert "authorization" in preflight.headers.get("Access-Control-Allow-Headers", "").lower()

        uploaded = http.post("/upload-files/image", headers=auth, files={"file": ("me.png", PNG, "image/png")})
        assert uploaded.status_code == 200 and uploaded.headers["Access-Control-Allow-Origin"] == ORIGIN
        body = uploaded.json()
        assert body["code"] == "success", body
        image_url = body["data"]["image_url"]
        assert image_url.startswith(live_server.url + "/upload-files/")

        saved = http.post("/account/avatar", headers=auth, json={"avatar": image_url}).json()
        assert saved["code"] == "success", saved
        assert http.get("/account", headers=auth).json()["data"]["avatar"] == image_url

    # an <img> on the console: plain GET, no Authorization, any gunicorn worker
    for _ in range(4):
        image = httpx.get(image_url, timeout=10)
        assert image.status_code == 200 and image.content == PNG
        assert image.headers["content-type"] == "image/png"
        assert image.headers["x-content-type-options"] == "nosniff"


def test_document_upload_and_read_back_over_http(live_server):
    with httpx.Client(base_url=live_server.url, timeout=10, headers={"Origin": ORIGIN}) as http:
        auth = _login(http, live_server)
        body = http.post("/upload-files/file", headers=auth,
                         files={"file": ("../../notes.md", "# 笔记\n内容".encode(), "text/markdown")}).json()
        assert body["code"] == "success", body
        data = body["data"]
        assert data["name"] == "notes.md" and data["mime_type"] == "text/markdown"
        content = http.get(f"/upload-files/{data['id']}/content", headers=auth)
        assert content.content == "# 笔记\n内容".encode()
        assert content.headers["content-disposition"].startswith("attachment;")
        too_big = http.post("/upload-files/image", headers=auth,
                            files={"file": ("big.png", PNG + b"\0" * (6 * 1024 * 1024), "image/png")})
        assert too_big.status_code == 200 and too_big.json()["code"] == "validate_error"

"""Upload files (issue 2, scope 6): limits, sniffing, safe keys, dedup, tenant-checked reads,
and the same behaviour on the local and the S3 backend."""
from __future__ import annotations

import base64
import io
import re
import uuid
import zipfile
from pathlib import Path

import boto3
import pytest
from flask_migrate import upgrade

from app.http.app import create_app
from internal.core.storage import LocalStorage, S3Storage, Storage
from internal.exception import NotFoundException
from internal.model.upload_file import UploadFile
from internal.service.upload_file_service import UploadFileService
from pkg.sqlalchemy import SQLAlchemy
from test.conftest import ConsoleClient, make_account
from test.support.environment import make_test_config
from test.support.s3_server import ACCESS_KEY, SECRET_KEY, S3Server

PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==")
GIF = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
KEY_PATTERN = re.compile(r"^uploads/[0-9a-f]{32}/[0-9a-f]{2}/[0-9a-f]{64}$")


def upload(console: ConsoleClient, data: bytes, name: str, kind: str = "file") -> dict:
    return console.post(f"/upload-files/{kind}", data={"file": (io.BytesIO(data), name)},
                        content_type="multipart/form-data")


def docx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def storage_root(app) -> Path:
    storage = app.extensions["injector"].get(Storage)
    assert isinstance(storage, LocalStorage)
    return storage.root


# --- upload ---------------------------------------------------------------------------------

def test_upload_text_file_returns_course_fields(console, app):
    body = upload(console, "# 标题\nhello".encode(), "notes.md")
    assert body["code"] == "success", body
    data = body["data"]
    assert set(data) >= {"id", "account_id", "name", "key", "size", "extension", "mime_type", "created_at"}
    assert data["account_id"] == str(console.account.account_id)
    assert (data["name"], data["extension"], data["mime_type"]) == ("notes.md", "md", "text/markdown")
    assert data["size"] == len("# 标题\nhello".encode()) and isinstance(data["created_at"], int)
    assert KEY_PATTERN.match(data["key"])
    assert (storage_root(app) / data["key"]).read_bytes() == "# 标题\nhello".encode()


@pytest.mark.parametrize("name", ["../../../../tmp/evil.txt", "..\\..\\evil.txt", "/etc/passwd.txt", "a/../../evil.txt"])
def test_traversal_file_names_never_reach_the_storage_path(console, app, name):
    data = upload(console, b"harmless text", name)["data"]
    assert data["name"] == name.replace("\\", "/").split("/")[-1]
    assert KEY_PATTERN.match(data["key"]) and ".." not in data["key"]
    stored = (storage_root(app) / data["key"]).resolve()
    assert storage_root(app) in stored.parents and stored.read_bytes() == b"harmless text"


def test_same_content_is_stored_once_per_account(console, other_console, app):
    first = upload(console, b"same bytes", "a.txt")["data"]
    second = upload(console, b"same bytes", "b.txt")["data"]
    other = upload(other_console, b"same bytes", "a.txt")["data"]
    assert first["id"] != second["id"] and first["key"] == second["key"]
    assert other["key"] != first["key"]  # no cross-tenant sharing of objects
    for handle, expected in ((console, 1), (other_console, 1)):
        folder = storage_root(app) / "uploads" / handle.account.account_id.hex
        assert len([p for p in folder.rglob("*") if p.is_file()]) == expected


@pytest.mark.parametrize("data,name,why", [
    (PNG, "photo.txt", "not a text"),
    (b"MZ\x90\x00" + b"\x00" * 64, "report.pdf", "not a valid .pdf"),
    (b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>", "x.svg", "not allowed"),
    (b"#!/bin/sh\nrm -rf /\n", "run.sh", "not allowed"),
    (b"no extension", "README", "without an extension"),
    (b"PK\x03\x04 not really a zip", "doc.docx", "not a valid .docx"),
    (b"", "empty.txt", "empty"),
    (b"text\x00with\x00nuls" * 10, "data.csv", "not a text"),
])
def test_content_is_sniffed_not_trusted(console, data, name, why):
    body = upload(console, data, name)
    assert body["code"] == "validate_error", body
    assert why in body["message"]


def test_binary_documents_and_images_are_accepted_by_content(console):
    assert upload(console, b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n", "a.pdf")["data"]["mime_type"] == "application/pdf"
    assert upload(console, docx_bytes(), "a.docx")["data"]["extension"] == "docx"
    assert upload(console, PNG, "pic.png")["data"]["mime_type"] == "image/png"
    # a GIF named .png is a GIF: the bytes decide
    data = upload(console, GIF, "pic.png")["data"]
    assert (data["mime_type"], data["extension"], data["name"]) == ("image/gif", "gif", "pic.gif")


def test_image_route_only_takes_jpg_png_gif_webp(console):
    for data, name in [(b"%PDF-1.4\n", "a.pdf"), (b"<svg/>", "a.svg"), (b"<html></html>", "a.html"), (PNG, "a.txt")]:
        body = upload(console, data, name, kind="image")
        assert body["code"] == "validate_error", (name, body)
    assert upload(console, PNG, "ok.png", kind="image")["code"] == "success"


def test_size_limits_are_validation_errors(console, app):
    limit = app.extensions["injector"].get(UploadFileService).conf.UPLOAD_IMAGE_MAX_BYTES
    too_big_image = PNG + b"\x00" * (limit + 1 - len(PNG))
    body = upload(console, too_big_image, "big.png", kind="image")
    assert body["code"] == "validate_error" and "too large" in body["message"]
    # beyond the request size cap (werkzeug 413) the console still gets its envelope
    file_limit = app.extensions["injector"].get(UploadFileService).conf.UPLOAD_FILE_MAX_BYTES
    body = upload(console, b"a" * (file_limit + 2 * 1024 * 1024), "huge.txt")
    assert body["code"] == "validate_error"


def test_missing_file_field_and_missing_token(console, client):
    body = console.post("/upload-files/file", data={"other": "x"}, content_type="multipart/form-data")
    assert body["code"] == "validate_error" and "file" in body["message"]
    response = client.post("/upload-files/file", data={"file": (io.BytesIO(b"x"), "a.txt")},
                           content_type="multipart/form-data")
    assert response.status_code == 200 and response.get_json()["code"] == "unauthorized"


# --- reading back ---------------------------------------------------------------------------

def test_owner_reads_file_back_as_attachment_with_nosniff(console, other_console, client):
    html = b"<html><script>alert(document.cookie)</script></html>"
    file_id = upload(console, html, "page.html")["data"]["id"]
    response = console.http.get(f"/upload-files/{file_id}/content", headers=console.account.headers)
    assert response.status_code == 200 and response.data == html
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.mimetype == "application/octet-stream"
    # another tenant: not found; no token: unauthorized; bad signature: not found
    assert other_console.get(f"/upload-files/{file_id}/content")["code"] == "not_found"
    assert client.get(f"/upload-files/{file_id}/content").get_json()["code"] == "unauthorized"
    assert client.get(f"/upload-files/{file_id}/content?signature=forged").get_json()["code"] == "not_found"
    assert console.get(f"/upload-files/{uuid.uuid4()}/content")["code"] == "not_found"


def test_image_url_is_signed_and_served_inline_without_token(console, client):
    body = upload(console, PNG, "avatar.png", kind="image")
    assert body["code"] == "success"
    image_url = body["data"]["image_url"]
    assert image_url.startswith("http://localhost/upload-files/") and "signature=" in image_url
    path = image_url.removeprefix("http://localhost")
    response = client.get(path)  # an <img> sends no Authorization header
    assert response.status_code == 200 and response.data == PNG
    assert response.mimetype == "image/png"
    assert response.headers["Content-Disposition"].startswith("inline;")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    # the signature is bound to the id
    other_id = upload(console, GIF, "other.gif", kind="image")["data"]["id"]
    signature = path.split("signature=")[1]
    assert client.get(f"/upload-files/{other_id}/content?signature={signature}").get_json()["code"] == "not_found"


def test_service_helpers_for_other_services_are_tenant_checked(console, other_console, app):
    file_id = upload(console, b"kb text", "kb.txt")["data"]["id"]
    service = app.extensions["injector"].get(UploadFileService)
    with app.app_context():
        row = service.get_owned(file_id, console.account.account_id)
        assert service.read(row) == b"kb text"
        with service.local_path(row) as path:
            assert path.suffix == ".txt" and path.read_bytes() == b"kb text"
        with pytest.raises(NotFoundException):
            service.get_owned(file_id, other_console.account.account_id)
        with pytest.raises(NotFoundException):
            service.get_many_owned([file_id, "not-a-uuid"], console.account.account_id)


def test_delete_keeps_shared_object_until_last_row(console, app):
    a = upload(console, b"shared", "a.txt")["data"]
    b = upload(console, b"shared", "b.txt")["data"]
    service = app.extensions["injector"].get(UploadFileService)
    object_path = storage_root(app) / a["key"]
    with app.app_context():
        service.delete(a["id"], console.account.account_id)
        assert object_path.exists()
        service.delete(b["id"], console.account.account_id)
        assert not object_path.exists()


def test_upload_works_on_both_databases(db_app):
    console = ConsoleClient(db_app, make_account(db_app))
    data = upload(console, b"hello", "a.txt")["data"]
    with db_app.app_context():
        db = db_app.extensions["injector"].get(SQLAlchemy)
        assert db.session.get(UploadFile, uuid.UUID(data["id"])).hash == data["key"].rsplit("/", 1)[1]


# --- S3-compatible backend (same code path as MinIO in production) -------------------------

@pytest.fixture(scope="module")
def s3_server(tmp_path_factory):
    server = S3Server(tmp_path_factory.mktemp("s3") / "s3.log")
    yield server
    server.stop()


@pytest.fixture
def s3_app(tmp_path, s3_server):
    bucket = f"llmops-{uuid.uuid4().hex[:8]}"
    conf = make_test_config(tmp_path, STORAGE_BACKEND="s3", S3_ENDPOINT_URL=s3_server.url, S3_BUCKET=bucket,
                            S3_ACCESS_KEY=ACCESS_KEY, S3_SECRET_KEY=SECRET_KEY)
    app = create_app(conf)
    with app.app_context():
        upgrade()
    return app


def test_s3_backend_end_to_end(s3_app, s3_server):
    assert isinstance(s3_app.extensions["injector"].get(Storage), S3Storage)
    console = ConsoleClient(s3_app, make_account(s3_app))
    first = upload(console, b"stored in s3", "../../x.txt")["data"]
    second = upload(console, b"stored in s3", "y.txt")["data"]
    assert first["key"] == second["key"] and KEY_PATTERN.match(first["key"])

    bucket = s3_app.extensions["injector"].get(Storage).bucket
    s3 = boto3.client("s3", endpoint_url=s3_server.url, aws_access_key_id=ACCESS_KEY,
                      aws_secret_access_key=SECRET_KEY, region_name="us-east-1")
    listed = s3.list_objects_v2(Bucket=bucket)["Contents"]
    assert [o["Key"] for o in listed] == [first["key"]]
    assert s3.get_object(Bucket=bucket, Key=first["key"])["Body"].read() == b"stored in s3"

    response = console.http.get(f"/upload-files/{first['id']}/content", headers=console.account.headers)
    assert response.data == b"stored in s3" and response.headers["Content-Disposition"].startswith("attachment;")
    image = upload(console, PNG, "a.png", kind="image")["data"]
    path = image["image_url"].removeprefix("http://localhost")
    assert s3_app.test_client().get(path).data == PNG

    service = s3_app.extensions["injector"].get(UploadFileService)
    with s3_app.app_context():
        service.delete(first["id"], console.account.account_id)
        assert service.storage.exists(first["key"])
        service.delete(second["id"], console.account.account_id)
        assert not service.storage.exists(first["key"])


def test_s3_storage_rejects_unsafe_keys(s3_server):
    storage = S3Storage(bucket="keys", endpoint_url=s3_server.url, access_key=ACCESS_KEY, secret_key=SECRET_KEY)
    for key in ("../x", "/abs", "a/../b", "", "a//b", ".hidden"):
        with pytest.raises(ValueError):
            storage.save(key, b"x")


def test_upload_routes_answer_every_outcome_in_the_envelope(console, client):
    """success / validate_error / unauthorized / not_found / wrong method, all HTTP 200."""
    outcomes = {
        "success": console.http.post("/upload-files/file", headers=console.account.headers,
                                     data={"file": (io.BytesIO(b"ok"), "a.txt")}, content_type="multipart/form-data"),
        "validate_error": console.http.post("/upload-files/image", headers=console.account.headers,
                                            data={"file": (io.BytesIO(b"ok"), "a.txt")},
                                            content_type="multipart/form-data"),
        "unauthorized": client.post("/upload-files/image", headers={"Authorization": "Bearer forged.jwt.token"}),
        "not_found": console.http.get(f"/upload-files/{uuid.uuid4()}/content", headers=console.account.headers),
    }
    for code, response in outcomes.items():
        assert response.status_code == 200 and response.get_json()["code"] == code, (code, response.get_json())
    for method, path in (("GET", "/upload-files/file"), ("GET", "/upload-files/image"),
                         ("POST", f"/upload-files/{uuid.uuid4()}/content")):
        response = client.open(path, method=method)
        assert response.status_code == 200 and response.get_json()["code"] == "not_found", (method, path)

"""F4, F16, F17 end to end: a ReDoS separator, hostile office files and "BM..." text documents go
through upload and the real Celery worker; each ends completed or with a clear error, quickly, and
the worker moves on to the next document (issue 9)."""
from __future__ import annotations

import io
import uuid

from flask_migrate import upgrade

from app.http.app import create_app
from internal.service.indexing_service import IndexingService
from test.conftest import ConsoleClient, make_account
from test.integration.test_knowledge_base import create_dataset, upload, wait_batch
from test.support.environment import make_test_config
from test.support.hostile_office import billion_laughs_docx, huge_text_node_docx, undefined_entity_docx


def _custom_rule(separators: list[str]) -> dict:
    return {"pre_process_rules": [{"id": "remove_extra_space", "enabled": True}],
            "segment": {"separators": separators, "chunk_size": 100, "chunk_overlap": 0}}


def test_redos_separator_document_completes_and_the_worker_moves_on(console, celery_worker):
    ds = create_dataset(console)
    hostile = upload(console, "redos.txt", (("a" * 64 + "!\n") * 300).encode())
    body = console.post(f"/datasets/{ds}/documents", json={"upload_file_ids": [hostile], "process_type": "custom",
                                                            "rule": _custom_rule(["(a+)+$", ""])})
    assert body["code"] == "success", body
    after = upload(console, "after.txt", b"Glaciers carve valleys over thousands of years.")
    second = console.post(f"/datasets/{ds}/documents", json={"upload_file_ids": [after], "process_type": "automatic"})
    # a hung worker would leave both waiting: the deadline (60 s) is the test's "never hangs"
    first = wait_batch(console, ds, body["data"]["batch"], timeout=60)
    assert first[0]["status"] == "completed", first
    assert wait_batch(console, ds, second["data"]["batch"], timeout=60)[0]["status"] == "completed"


def test_hostile_office_files_end_in_a_clear_error(console, celery_worker):
    ds = create_dataset(console)
    files = {"bomb.docx": billion_laughs_docx(), "huge.docx": huge_text_node_docx(),
             "entity.docx": undefined_entity_docx(), "fine.txt": b"An ordinary document after the hostile ones."}
    ids = [upload(console, name, data) for name, data in files.items()]
    body = console.post(f"/datasets/{ds}/documents", json={"upload_file_ids": ids, "process_type": "automatic"})
    assert body["code"] == "success", body
    status = {d["name"]: d for d in wait_batch(console, ds, body["data"]["batch"], timeout=90)}
    assert "document type (DTD)" in status["bomb.docx"]["error"], status["bomb.docx"]
    assert "when decompressed" in status["huge.docx"]["error"], status["huge.docx"]
    assert status["entity.docx"]["error"] == "the DOCX file could not be read", status["entity.docx"]
    for name in ("bomb.docx", "huge.docx", "entity.docx"):
        assert status[name]["status"] == "error" and "internal error" not in status[name]["error"]
    assert status["fine.txt"]["status"] == "completed"


def test_text_starting_with_bm_uploads_and_indexes(console, celery_worker):
    ds = create_dataset(console)
    text = b"BMI-1 autoantibodies as a marker of cervical carcinoma.\nBMI-1 is a polycomb protein."
    fid = upload(console, "bmi.txt", text)
    body = console.post(f"/datasets/{ds}/documents", json={"upload_file_ids": [fid], "process_type": "automatic"})
    assert wait_batch(console, ds, body["data"]["batch"], timeout=60)[0]["status"] == "completed"


def test_a_document_over_the_split_budget_ends_in_error(tmp_path):
    """The embedded default (SQLite) with a tiny split budget; the indexing service runs in-process
    (no worker consumes this app's local broker), as the worker would run it."""
    app = create_app(make_test_config(tmp_path, KB_SPLIT_TIME_BUDGET_SECONDS=0.001))
    with app.app_context():
        upgrade()
    console = ConsoleClient(app, make_account(app))
    ds = console.post("/datasets", json={"name": f"budget-{uuid.uuid4().hex[:6]}", "icon": "", "description": ""})
    ds = ds["data"]["id"]
    big = console.post("/upload-files/file", content_type="multipart/form-data",
                       data={"file": (io.BytesIO(("word " * 300_000).encode()), "big.txt")})["data"]["id"]
    body = console.post(f"/datasets/{ds}/documents", json={"upload_file_ids": [big], "process_type": "custom",
                                                            "rule": _custom_rule([" ", ""])})
    assert body["code"] == "success", body
    with app.app_context():
        done = app.extensions["injector"].get(IndexingService).index_next_document()
    assert len(done) == 1
    doc = console.get(f"/datasets/{ds}/documents/batch/{body['data']['batch']}")["data"][0]
    assert doc["status"] == "error" and "longer than 0.001 seconds" in doc["error"], doc

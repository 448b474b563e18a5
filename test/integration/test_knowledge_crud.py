"""Dataset/document routes on both databases (no worker needed)."""
from __future__ import annotations

import io

from test.conftest import ConsoleClient, make_account


def test_dataset_crud_pagination_and_validation(db_app):
    c = ConsoleClient(db_app, make_account(db_app))
    ids = [c.post("/datasets", json={"name": f"知识库 {i}", "icon": "i.png", "description": ""})["data"]["id"] for i in range(3)]
    assert c.post("/datasets", json={"name": "知识库 0", "icon": "", "description": ""})["code"] != "success"  # duplicate name
    assert c.post("/datasets", json={"name": "   ", "icon": ""})["code"] == "validate_error"
    assert c.post("/datasets", json={"icon": ""})["code"] == "validate_error"
    page = c.get("/datasets", query_string={"current_page": 1, "page_size": 2})["data"]
    assert page["paginator"] == {"total_page": 2, "total_record": 3, "current_page": 1, "page_size": 2}
    assert {"document_count", "character_count", "related_app_count", "updated_at", "created_at"} <= set(page["list"][0])
    assert c.get("/datasets", query_string={"page_size": 51})["code"] == "validate_error"
    found = c.get("/datasets", query_string={"search_word": "库 1"})["data"]["list"]
    assert [d["id"] for d in found] == [ids[1]]
    detail = c.get(f"/datasets/{ids[0]}")["data"]
    assert detail["name"] == "知识库 0" and detail["description"] and detail["hit_count"] == 0
    assert c.post(f"/datasets/{ids[0]}", json={"name": "renamed", "icon": "", "description": "d"})["code"] == "success"
    assert c.get(f"/datasets/{ids[0]}")["data"]["name"] == "renamed"
    assert c.post(f"/datasets/{ids[0]}/hit", json={"query": "", "retrieval_strategy": "semantic", "k": 4, "score": 0})["code"] == "validate_error"
    assert c.post(f"/datasets/{ids[0]}/hit", json={"query": "x", "retrieval_strategy": "bogus", "k": 4, "score": 0})["code"] == "validate_error"
    assert c.post(f"/datasets/{ids[0]}/hit", json={"query": "x", "retrieval_strategy": "semantic", "k": 99, "score": 0})["code"] == "validate_error"
    assert c.post(f"/datasets/{ids[0]}/hit", json={"query": "nothing indexed", "retrieval_strategy": "hybrid", "k": 4, "score": 0})["data"] == []
    assert c.get(f"/datasets/{ids[0]}/queries")["data"][0]["query"] == "nothing indexed"
    assert c.post(f"/datasets/{ids[2]}/delete")["code"] == "success"
    assert c.get(f"/datasets/{ids[2]}")["code"] == "not_found"
    assert c.get("/datasets/not-a-uuid")["code"] == "not_found"


def test_create_documents_waits_for_the_worker(db_app):
    c = ConsoleClient(db_app, make_account(db_app))
    ds = c.post("/datasets", json={"name": "docs", "icon": "", "description": ""})["data"]["id"]
    f = c.post("/upload-files/file", data={"file": (io.BytesIO(b"hello"), "a.txt")}, content_type="multipart/form-data")["data"]["id"]
    img = c.post("/upload-files/image", data={"file": (io.BytesIO(_png()), "p.png")}, content_type="multipart/form-data")
    created = c.post(f"/datasets/{ds}/documents", json={"upload_file_ids": [f, f], "process_type": "automatic"})
    assert created["code"] == "success"
    assert len(created["data"]["documents"]) == 1  # duplicate ids collapse
    doc = created["data"]["documents"][0]
    assert doc["status"] == "waiting"
    status = c.get(f"/datasets/{ds}/documents/batch/{created['data']['batch']}")["data"]
    assert status[0]["extension"] == "txt" and status[0]["segment_count"] == 0
    assert c.get(f"/datasets/{ds}/documents/batch/nope")["code"] == "not_found"
    # a document that is not completed cannot be toggled (a shared Celery worker of an earlier test
    # on this database may index it at any moment: then the toggle is allowed). The status is read
    # before and after the toggle, so "success" must mean it was completed by the time of the toggle.
    before = c.get(f"/datasets/{ds}/documents/{doc['id']}")["data"]["status"]
    toggled = c.post(f"/datasets/{ds}/documents/{doc['id']}/enabled", json={"enabled": False})["code"]
    after = c.get(f"/datasets/{ds}/documents/{doc['id']}")["data"]["status"]
    if before == "completed":
        assert toggled == "success", (before, toggled)
    elif after != "completed":  # completed in between: either answer is right
        assert toggled == "validate_error", (before, toggled, after)
    assert c.post(f"/datasets/{ds}/documents/{doc['id']}/name", json={"name": "b.txt"})["code"] == "success"
    listing = c.get(f"/datasets/{ds}/documents")["data"]
    assert listing["list"][0]["name"] == "b.txt" and listing["paginator"]["total_record"] == 1
    if img["code"] == "success":  # images are not documents
        bad = c.post(f"/datasets/{ds}/documents", json={"upload_file_ids": [img["data"]["id"]], "process_type": "automatic"})
        assert bad["code"] == "validate_error"


def _png() -> bytes:
    import struct
    import zlib

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    raw = b"\x00\xff\x00\x00"
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")

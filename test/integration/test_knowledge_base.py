"""Knowledge base on PostgreSQL + Redis + a real Celery worker process."""
from __future__ import annotations

import io
import time
import uuid

from test.support.kb_documents import docx_bytes, pdf_bytes, xlsx_bytes

FILES = {
    "guide.txt": "LLMOps 知识库使用指南。上传文档后系统会自动解析、分段并建立索引。\n\n混合检索结合了语义检索和全文检索。".encode("gbk"),
    "notes.md": b"# Photosynthesis\n\nChlorophyll absorbs light to convert carbon dioxide into glucose.\n",
    "page.html": b"<html><body><script>x()</script><h1>Volcano</h1><p>Magma erupts through the crust of the planet.</p></body></html>",
    "paper.pdf": pdf_bytes(["Quantum entanglement links particle states", "across large distances."]),
    "report.docx": docx_bytes(["季度报告：本季度营收增长百分之二十。", "The quarterly revenue grew by twenty percent."]),
    "table.csv": "城市,特产\n成都,火锅\n杭州,龙井茶\n".encode(),
    "sheet.xlsx": xlsx_bytes([["planet", "moons"], ["Jupiter", 95], ["Saturn", 146]]),
}
QUERIES = {
    "guide.txt": ("混合检索", "full_text"),
    "notes.md": ("how do plants turn light into sugar", "semantic"),
    "page.html": ("magma eruption", "hybrid"),
    "paper.pdf": ("quantum entanglement", "hybrid"),
    "report.docx": ("营收增长", "full_text"),
    "table.csv": ("杭州 龙井茶", "hybrid"),
    "sheet.xlsx": ("Saturn moons", "hybrid"),
}


def upload(console, name: str, data: bytes) -> str:
    body = console.post("/upload-files/file", data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data")
    assert body["code"] == "success", body
    return body["data"]["id"]


def create_dataset(console, name="KB") -> str:
    body = console.post("/datasets", json={"name": f"{name}-{uuid.uuid4().hex[:6]}", "icon": "", "description": ""})
    assert body["code"] == "success", body
    return body["data"]["id"]


def wait_batch(console, ds: str, batch: str, timeout: float = 180) -> list[dict]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        body = console.get(f"/datasets/{ds}/documents/batch/{batch}")
        assert body["code"] == "success", body
        if all(d["status"] in ("completed", "error") for d in body["data"]):
            return body["data"]
        time.sleep(0.3)
    raise AssertionError(f"batch {batch} did not finish: {body['data']}")


def test_upload_every_format_completes_and_is_searchable(console, celery_worker):
    ds = create_dataset(console)
    ids = {name: upload(console, name, data) for name, data in FILES.items()}
    body = console.post(f"/datasets/{ds}/documents", json={"upload_file_ids": list(ids.values()), "process_type": "automatic", "rule": {}})
    assert body["code"] == "success", body
    assert {d["status"] for d in body["data"]["documents"]} == {"waiting"}
    status = wait_batch(console, ds, body["data"]["batch"])
    assert [d["status"] for d in status] == ["completed"] * len(FILES), status
    for d in status:
        assert d["segment_count"] >= 1 and d["completed_segment_count"] == d["segment_count"]
        assert d["processing_started_at"] <= d["parsing_completed_at"] <= d["splitting_completed_at"] <= d["completed_at"]
    by_name = {d["name"]: d["id"] for d in status}

    for name, (query, strategy) in QUERIES.items():
        hits = console.post(f"/datasets/{ds}/hit", json={"query": query, "retrieval_strategy": strategy, "k": 3, "score": 0})
        assert hits["code"] == "success", hits
        assert hits["data"], (name, query)
        assert hits["data"][0]["document"]["id"] == by_name[name], (name, query, [h["document"]["name"] for h in hits["data"]])
        assert 0 <= hits["data"][0]["score"] <= 1

    # query log + hit counts
    queries = console.get(f"/datasets/{ds}/queries")["data"]
    assert queries[0]["query"] == QUERIES["sheet.xlsx"][0] and queries[0]["source"] == "hit_testing"
    detail = console.get(f"/datasets/{ds}")["data"]
    assert detail["document_count"] == len(FILES) and detail["hit_count"] >= len(QUERIES)
    listing = console.get("/datasets", query_string={"search_word": detail["name"][:5]})["data"]
    assert listing["list"][0]["id"] == ds and listing["paginator"]["total_record"] >= 1

    # segment edit re-embeds: the new content becomes searchable, the old one not
    doc_id = by_name["notes.md"]
    segs = console.get(f"/datasets/{ds}/documents/{doc_id}/segments")["data"]["list"]
    seg_id = segs[0]["id"]
    assert console.post(f"/datasets/{ds}/documents/{doc_id}/segments/{seg_id}", json={"content": "Penguins huddle together in Antarctic winters."})["code"] == "success"
    hits = console.post(f"/datasets/{ds}/hit", json={"query": "penguins antarctic", "retrieval_strategy": "hybrid", "k": 1, "score": 0})["data"]
    assert hits[0]["id"] == seg_id
    hits = console.post(f"/datasets/{ds}/hit", json={"query": "chlorophyll", "retrieval_strategy": "full_text", "k": 3, "score": 0})["data"]
    assert all(h["id"] != seg_id for h in hits)

    # disable the segment, then the whole document: both leave every retrieval strategy
    assert console.post(f"/datasets/{ds}/documents/{doc_id}/segments/{seg_id}/enabled", json={"enabled": False})["code"] == "success"
    for strategy in ("semantic", "full_text", "hybrid"):
        hits = console.post(f"/datasets/{ds}/hit", json={"query": "penguins antarctic", "retrieval_strategy": strategy, "k": 10, "score": 0})["data"]
        assert all(h["id"] != seg_id for h in hits)
    pdf_doc = by_name["paper.pdf"]
    assert console.post(f"/datasets/{ds}/documents/{pdf_doc}/enabled", json={"enabled": False})["code"] == "success"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:  # the index sync runs in the worker
        hits = console.post(f"/datasets/{ds}/hit", json={"query": "quantum entanglement", "retrieval_strategy": "hybrid", "k": 10, "score": 0})["data"]
        if all(h["document"]["id"] != pdf_doc for h in hits):
            break
        time.sleep(0.3)
    else:
        raise AssertionError("disabled document still retrieved")

    # delete the document: vectors and keywords go too
    docx_doc = by_name["report.docx"]
    assert console.post(f"/datasets/{ds}/documents/{docx_doc}/delete")["code"] == "success"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        hits = console.post(f"/datasets/{ds}/hit", json={"query": "营收增长", "retrieval_strategy": "full_text", "k": 10, "score": 0})["data"]
        if not hits:
            break
        time.sleep(0.3)
    else:
        raise AssertionError("deleted document still retrieved")


def test_process_rule_validation_and_bad_files(console, celery_worker):
    ds = create_dataset(console)
    fid = upload(console, "a.txt", b"hello world")
    bad = console.post(f"/datasets/{ds}/documents", json={"upload_file_ids": [fid], "process_type": "custom", "rule": {"segment": {}}})
    assert bad["code"] == "validate_error"
    bad = console.post(f"/datasets/{ds}/documents", json={"upload_file_ids": [], "process_type": "automatic"})
    assert bad["code"] == "validate_error"
    custom = {
        "pre_process_rule": [{"id": "remove_extra_space", "enabled": True}, {"id": "remove_url_and_email", "enabled": True}],
        "segment": {"separators": ["\n"], "chunk_size": 100, "chunk_overlap": 10},
    }
    empty = upload(console, "empty.txt", b"   \n  ")
    ok = console.post(f"/datasets/{ds}/documents", json={"upload_file_ids": [fid, empty], "process_type": "custom", "rule": custom})
    assert ok["code"] == "success", ok
    status = {d["name"]: d for d in wait_batch(console, ds, ok["data"]["batch"])}
    assert status["a.txt"]["status"] == "completed"
    assert status["empty.txt"]["status"] == "error" and status["empty.txt"]["error"]


def test_tenant_isolation_on_every_dataset_route(console, other_console, celery_worker):
    ds = create_dataset(console)
    fid = upload(console, "secret.txt", b"The launch code is swordfish.")
    created = console.post(f"/datasets/{ds}/documents", json={"upload_file_ids": [fid], "process_type": "automatic"})
    doc = created["data"]["documents"][0]["id"]
    batch = created["data"]["batch"]
    wait_batch(console, ds, batch)
    seg = console.get(f"/datasets/{ds}/documents/{doc}/segments")["data"]["list"][0]["id"]

    o = other_console
    gets = [
        f"/datasets/{ds}", f"/datasets/{ds}/queries", f"/datasets/{ds}/documents", f"/datasets/{ds}/documents/{doc}",
        f"/datasets/{ds}/documents/batch/{batch}", f"/datasets/{ds}/documents/{doc}/segments",
        f"/datasets/{ds}/documents/{doc}/segments/{seg}",
    ]
    for path in gets:
        assert o.get(path)["code"] == "not_found", path
    posts = [
        (f"/datasets/{ds}", {"name": "x", "icon": "", "description": ""}),
        (f"/datasets/{ds}/hit", {"query": "launch code", "retrieval_strategy": "hybrid", "k": 4, "score": 0}),
        (f"/datasets/{ds}/documents", {"upload_file_ids": [fid], "process_type": "automatic"}),
        (f"/datasets/{ds}/documents/{doc}/name", {"name": "x"}),
        (f"/datasets/{ds}/documents/{doc}/enabled", {"enabled": False}),
        (f"/datasets/{ds}/documents/{doc}/segments", {"content": "x"}),
        (f"/datasets/{ds}/documents/{doc}/segments/{seg}", {"content": "x"}),
        (f"/datasets/{ds}/documents/{doc}/segments/{seg}/enabled", {"enabled": False}),
        (f"/datasets/{ds}/documents/{doc}/segments/{seg}/delete", None),
        (f"/datasets/{ds}/documents/{doc}/delete", None),
        (f"/datasets/{ds}/delete", None),
    ]
    for path, body in posts:
        assert o.post(path, json=body)["code"] == "not_found", path
    # the other tenant cannot use the victim's upload file in their own dataset either
    own = create_dataset(o, "mine")
    assert o.post(f"/datasets/{own}/documents", json={"upload_file_ids": [fid], "process_type": "automatic"})["code"] == "not_found"
    # their own listing is empty and their retrieval never sees the victim's segments
    assert o.get("/datasets")["data"]["paginator"]["total_record"] == 1
    for strategy in ("semantic", "full_text", "hybrid"):
        assert o.post(f"/datasets/{own}/hit", json={"query": "launch code swordfish", "retrieval_strategy": strategy, "k": 10, "score": 0})["data"] == []
    # nothing changed for the owner
    assert console.get(f"/datasets/{ds}/documents/{doc}")["data"]["enabled"] is True
    hits = console.post(f"/datasets/{ds}/hit", json={"query": "launch code swordfish", "retrieval_strategy": "hybrid", "k": 4, "score": 0})["data"]
    assert hits and hits[0]["id"] == seg


def test_delete_dataset_removes_everything(console, app, celery_worker):
    from internal.core.indexing import KnowledgeBase
    from internal.core.vector_store import SegmentFilter

    ds = create_dataset(console)
    fid = upload(console, "x.txt", b"Dataset deletion removes vectors keywords and files.")
    created = console.post(f"/datasets/{ds}/documents", json={"upload_file_ids": [fid], "process_type": "automatic"})
    wait_batch(console, ds, created["data"]["batch"])
    kb = app.extensions["injector"].get(KnowledgeBase)
    flt = SegmentFilter(str(console.account.account_id), (ds,))
    assert kb.vector_store(kb.default_model).count(flt) == 1 and kb.keyword_index.count(flt) == 1
    assert console.post(f"/datasets/{ds}/delete")["code"] == "success"
    assert console.get(f"/datasets/{ds}")["code"] == "not_found"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if kb.vector_store(kb.default_model).count(flt) == 0 and kb.keyword_index.count(flt) == 0 and _file_gone(console, fid):
            break
        time.sleep(0.3)
    else:
        raise AssertionError("dataset index or file not removed")


def _file_gone(console, fid: str) -> bool:
    r = console.http.get(f"/upload-files/{fid}/content", headers=console.account.headers)
    return r.is_json and r.get_json()["code"] == "not_found"

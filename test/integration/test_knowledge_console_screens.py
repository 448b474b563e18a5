"""The knowledge-base screens of llmops-ui, call by call, with the request bodies the console
sends (src/services/dataset.ts and the views under src/views/space/datasets), asserting the
fields those screens read. The same flow in headless Chromium: test/support/console_check.cjs
with CHECK=datasets (docs/console-check.md, issue 4)."""
from __future__ import annotations

import base64
import io
import time
import uuid

PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==")
DOC = (
    "# Console check knowledge base\n\n"
    "The lighthouse keeper on Puffin Island records the wind speed every morning at six o'clock.\n"
    "He writes the numbers in a blue notebook and sends them to the harbour office by radio.\n\n"
    "灯塔看守人每天早上六点记录风速，并通过无线电把数据发送给港口办公室。\n"
).encode()


def _upload(console, route: str, name: str, data: bytes) -> dict:
    body = console.post(route, data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data")
    assert body["code"] == "success", body
    return body["data"]


def test_dataset_screens_as_the_console_calls_them(console, celery_worker):
    # 创建知识库: the form requires an icon, uploaded first; the icon is the returned image_url
    icon = _upload(console, "/upload-files/image", "icon.png", PNG)["image_url"]
    name = f"console-{uuid.uuid4().hex[:6]}"
    body = console.post("/datasets", json={"icon": icon, "name": name, "description": "描述 description"})
    assert body["code"] == "success", body
    listing = console.get("/datasets", query_string={"current_page": 1, "page_size": 20, "search_word": ""})["data"]
    card = next(d for d in listing["list"] if d["name"] == name)
    for key in ("id", "icon", "description", "document_count", "character_count", "related_app_count", "created_at"):
        assert key in card, key
    assert card["icon"] == icon and card["document_count"] == 0
    assert set(listing["paginator"]) >= {"current_page", "page_size", "total_page", "total_record"}
    ds = card["id"]

    # 添加文件 with 自动分段与清洗: the console sends no `rule` key at all for process_type=automatic
    file_id = _upload(console, "/upload-files/file", "console-check.md", DOC)["id"]
    body = console.post(f"/datasets/{ds}/documents", json={"upload_file_ids": [file_id], "process_type": "automatic"})
    assert body["code"] == "success", body
    batch = body["data"]["batch"]

    # 数据处理: polled until every document is completed or error; the page shows name, size, percentages
    deadline = time.monotonic() + 120
    while True:
        status = console.get(f"/datasets/{ds}/documents/batch/{batch}")
        assert status["code"] == "success", status
        if all(d["status"] in ("completed", "error") for d in status["data"]) or time.monotonic() > deadline:
            break
        time.sleep(0.3)
    (doc,) = status["data"]
    assert doc["status"] == "completed", doc
    assert doc["name"] == "console-check.md" and doc["size"] == len(DOC)
    assert doc["segment_count"] >= 1 and doc["completed_segment_count"] == doc["segment_count"]

    # document list: 可用 comes from `enabled`; the error tooltip from status == "error"
    docs = console.get(f"/datasets/{ds}/documents", query_string={"current_page": 1, "page_size": 20, "search_word": ""})["data"]
    (row,) = docs["list"]
    assert row["enabled"] is True and row["status"] == "completed"
    for key in ("id", "name", "position", "character_count", "hit_count", "created_at", "error"):
        assert key in row, key

    # 召回测试 with the dialog's defaults: semantic, k=5, score=0.5; the card reads content, score, document.name
    hits = console.post(f"/datasets/{ds}/hit", json={
        "query": "When does the lighthouse keeper record the wind speed?", "retrieval_strategy": "semantic", "k": 5, "score": 0.5,
    })
    assert hits["code"] == "success", hits
    assert hits["data"], "the console's default hit test (score 0.5) found nothing"
    top = hits["data"][0]
    assert "lighthouse keeper" in top["content"] and top["document"]["name"] == "console-check.md"
    assert isinstance(top["score"], float) and 0.5 <= top["score"] <= 1

    # 检索设置 -> 全文检索 with a Chinese query
    hits = console.post(f"/datasets/{ds}/hit", json={"query": "灯塔看守人什么时候记录风速", "retrieval_strategy": "full_text", "k": 5, "score": 0.1})
    assert hits["code"] == "success", hits
    assert hits["data"] and "灯塔看守人" in hits["data"][0]["content"]

    # 最近查询: newest first, with source and created_at
    queries = console.get(f"/datasets/{ds}/queries")["data"]
    assert [q["query"] for q in queries[:2]] == ["灯塔看守人什么时候记录风速", "When does the lighthouse keeper record the wind speed?"]
    assert all(q["source"] == "hit_testing" and q["created_at"] > 0 for q in queries[:2])

    # the document's segments page: header from the document detail, cards from the segment list
    detail = console.get(f"/datasets/{ds}/documents/{row['id']}")["data"]
    assert detail["segment_count"] == doc["segment_count"] and detail["hit_count"] >= 2 and detail["updated_at"] > 0
    segs = console.get(f"/datasets/{ds}/documents/{row['id']}/segments", query_string={"current_page": 1, "page_size": 20, "search_word": ""})["data"]
    assert segs["list"][0]["position"] == 1 and segs["list"][0]["status"] == "completed" and segs["list"][0]["enabled"] is True
